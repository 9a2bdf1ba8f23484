import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { READER_ID } from '../reader-cookie';

const ENTRY_IDS = 'postIds must hold entry ids (positive integers)';

/** The entries a reader has had on screen. */
export class ReportViewsDto {
  @IsArray()
  @ArrayMaxSize(100, { message: 'postIds may hold at most 100 ids' })
  @IsInt({ each: true, message: ENTRY_IDS })
  @Min(1, { each: true, message: ENTRY_IDS })
  @Max(Number.MAX_SAFE_INTEGER, { each: true, message: ENTRY_IDS })
  @ApiProperty({
    type: 'array',
    items: { type: 'integer', minimum: 1 },
    maxItems: 100,
    description: "The entries the reader has had on screen; other blogs' entries are ignored.",
    example: [12, 13],
  })
  postIds!: number[];

  /**
   * The embed page's own reader id, for browsers that keep no cookie in a frame of another
   * site; the reader cookie wins when there is one.
   */
  @IsOptional()
  @Matches(READER_ID, { message: 'readerId must be 22 characters of A-Z, a-z, 0-9, _ and -' })
  @ApiPropertyOptional({
    pattern: READER_ID.source,
    description:
      "The embed page's reader id, for a frame that keeps no cookie; the reader cookie wins.",
  })
  readerId?: string;
}
