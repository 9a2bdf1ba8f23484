import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ApiTokenView } from '../api-tokens.service';

/** ApiTokenView as the API docs show it; `implements` keeps the two alike. */
@ApiSchema({ name: 'ApiToken', description: 'An API token, without its secret.' })
export class ApiTokenResponse implements ApiTokenView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ example: 'results importer' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When it was last used (noted at most once a minute); null when never.',
  })
  lastUsedAt!: string | null;
}

export class ApiTokenCreatedAnswer {
  @ApiProperty()
  token!: ApiTokenResponse;

  @ApiProperty({
    description:
      'Send it as `Authorization: Bearer <secret>`. In this answer only: the server keeps its hash.',
    example: 'lbt_…',
  })
  secret!: string;
}

export class ApiTokenListAnswer {
  @ApiProperty({ type: [ApiTokenResponse], description: 'Your own tokens, newest first.' })
  tokens!: ApiTokenResponse[];
}
