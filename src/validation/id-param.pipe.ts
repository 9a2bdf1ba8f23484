import { BadRequestException, Injectable, Param, PipeTransform } from '@nestjs/common';

/** A route id: a positive integer, else 400 (contract: `/posts/abc` is 400, an unknown id 404). */
@Injectable()
export class PositiveIntPipe implements PipeTransform<unknown, number | undefined> {
  constructor(
    private readonly name: string,
    private readonly optional = false,
  ) {}

  transform(value: unknown): number | undefined {
    if (this.optional && value === undefined) return undefined;
    // The global ValidationPipe may already have turned the string into a number.
    const text = typeof value === 'number' ? String(value) : value;
    const id = typeof text === 'string' && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(id)) {
      throw new BadRequestException(`${this.name} must be a positive integer`);
    }
    return id;
  }
}

export const IdParam = (name = 'id') => Param(name, new PositiveIntPipe(name));
