import { ArrayMaxSize, IsArray, IsInt, Max, Min } from 'class-validator';

const ENTRY_IDS = 'postIds must hold entry ids (positive integers)';

/** The entries a reader has had on screen. */
export class ReportViewsDto {
  @IsArray()
  @ArrayMaxSize(100, { message: 'postIds may hold at most 100 ids' })
  @IsInt({ each: true, message: ENTRY_IDS })
  @Min(1, { each: true, message: ENTRY_IDS })
  @Max(Number.MAX_SAFE_INTEGER, { each: true, message: ENTRY_IDS })
  postIds!: number[];
}
