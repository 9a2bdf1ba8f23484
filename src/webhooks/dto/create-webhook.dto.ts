import { ApiProperty } from '@nestjs/swagger';
import { Optional, RequiredText } from '../../validation/text.decorators';
import { WebhookUrl } from './webhook-url';

export class CreateWebhookDto {
  @WebhookUrl()
  url!: string;

  @Optional()
  @RequiredText(80)
  @ApiProperty({
    description: "The slug of the blog whose events it gets; left out, every blog's.",
    example: 'cup-final',
  })
  blog?: string;
}
