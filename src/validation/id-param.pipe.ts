import {
  BadRequestException,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  PipeTransform,
} from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';

const POSITIVE_INTEGER = /^[1-9]\d{0,15}$/;

/** A positive integer written plainly ("12"; not "0x3", "1e0", "3.0", " 3"), else undefined. */
export function parsePositiveInt(value: unknown): number | undefined {
  const number = typeof value === 'string' && POSITIVE_INTEGER.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(number) ? number : undefined;
}

/** A route id: a positive integer, else 400 (contract: `/posts/abc` is 400, an unknown id 404). */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number | undefined> {
  constructor(
    private readonly name: string,
    private readonly optional = false,
  ) {}

  transform(value: unknown): number | undefined {
    if (this.optional && value === undefined) return undefined;
    const id = parsePositiveInt(value);
    if (id === undefined) throw new BadRequestException(`${this.name} must be a positive integer`);
    return id;
  }
}

// The raw text of a route or query parameter: custom decorators are left alone by the global
// ValidationPipe, which would otherwise turn "0x3" into 3 before PositiveIntPipe sees it.
const RawParam = createParamDecorator(
  (name: string, context: ExecutionContext) =>
    context.switchToHttp().getRequest<Request>().params[name],
);
const RawQuery = createParamDecorator(
  (name: string, context: ExecutionContext) =>
    context.switchToHttp().getRequest<Request>().query[name],
);

/** A route id (`:id`), a positive integer; said so in the API docs, which see no custom decorator. */
export const IdParam =
  (name = 'id'): ParameterDecorator =>
  (target, method, index) => {
    RawParam(name, new PositiveIntPipe(name))(target, method, index);
    if (method === undefined) return;
    const handler = Object.getOwnPropertyDescriptor(target, method)!;
    ApiParam({ name, schema: { type: 'integer', minimum: 1 } })(target, method, handler);
  };

export const OptionalIdQuery = (name: string) => RawQuery(name, new PositiveIntPipe(name, true));
