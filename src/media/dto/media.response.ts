import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { MediaView } from '../media-view';

/** MediaView as the API docs show it; `implements` keeps the two alike. */
@ApiSchema({ name: 'Media', description: 'An uploaded photo.' })
export class MediaResponse implements MediaView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({
    description:
      'Its largest file in the fallback format; `![alt](/media/<id>)` in an entry shows every width.',
    example: '/media/7-3f9a0c2b7d1e/1600.jpg',
  })
  url!: string;

  @ApiProperty({ type: 'integer', description: 'Of the largest file, in pixels.' })
  width!: number;

  @ApiProperty({ type: 'integer', description: 'Of the largest file, in pixels.' })
  height!: number;

  @ApiProperty({ description: 'What the photo shows; may be empty.' })
  alt!: string;

  @ApiProperty({ example: 'image/jpeg' })
  mime!: string;
}

export class MediaAnswer {
  @ApiProperty()
  media!: MediaResponse;
}
