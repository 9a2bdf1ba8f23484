import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Optional } from '../../validation/text.decorators';
import { WebhookUrl } from './webhook-url';

export class UpdateWebhookDto {
  @Optional()
  @WebhookUrl()
  url?: string;

  @Optional()
  @IsBoolean({ message: 'active must be true or false' })
  @ApiProperty({
    type: 'boolean',
    description:
      '`false` pauses it; `true` resumes it, and it gets what was published meanwhile, in order.',
  })
  active?: boolean;
}
