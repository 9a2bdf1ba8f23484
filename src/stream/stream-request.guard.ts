import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { BlogsService } from '../blogs/blogs.service';
import { DatabaseEpoch } from '../database/database-epoch';
import { inEpoch, readCursor, type StreamCursor } from './stream-cursor';
import { StreamsPerAddress } from './streams-per-address';

/** What StreamRequestGuard found out about a stream request, for the handler to open it. */
export interface StreamRequest extends Request {
  stream?: { blogId: number; cursor: StreamCursor; release: () => void };
}

/**
 * Everything about a stream request that can fail, before the handler: the blog (404) and the
 * client's number of open streams (429). Nest answers a guard's errors through the exception
 * filter as usual; the handler then only opens the stream, which cannot fail.
 */
@Injectable()
export class StreamRequestGuard implements CanActivate {
  constructor(
    private readonly blogsService: BlogsService,
    private readonly streamsPerAddress: StreamsPerAddress,
    private readonly epoch: DatabaseEpoch,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<StreamRequest>();
    const blogId = await this.blogsService.idBySlug(String(request.params.slug));
    const cursor = inEpoch(
      readCursor(request.headers['last-event-id'], request.query.after),
      request.query.epoch,
      this.epoch.id,
    );
    const release = await this.streamsPerAddress.admit(request.ip ?? '');
    request.stream = { blogId, cursor, release };
    return true;
  }
}
