import { ApiProperty } from '@nestjs/swagger';
import { RequiredText } from '../../validation/text.decorators';

export class CreateApiTokenDto {
  @RequiredText(100)
  @ApiProperty({
    description: 'What the token is for, to recognize it in the list.',
    example: 'results importer',
  })
  name!: string;
}
