import {
  CallHandler,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';
import type { AuthenticatedRequest } from './authenticated-request';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Writes every change a signed-in user makes to the log, with who made it. On each
 * controller that changes anything (@Audited()), not globally: an interceptor on the stream
 * route would defer its handler, which Nest then never runs (the stream transport refuses to
 * start with one: see sse-transport.ts).
 */
@Injectable()
export class AuditLogInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (READS.has(request.method)) return next.handle();
    const record = (outcome: string) => {
      const user = request.auth?.user;
      if (!user) return;
      const status = context.switchToHttp().getResponse<Response>().statusCode;
      this.logger.log({
        audit: {
          userId: user.id,
          action: `${request.method} ${request.originalUrl}`,
          outcome,
          status,
        },
      });
    };
    return next
      .handle()
      .pipe(tap({ complete: () => record('done'), error: () => record('refused') }));
  }
}

export const Audited = () => UseInterceptors(AuditLogInterceptor);
