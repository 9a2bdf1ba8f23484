import { ApiProperty } from '@nestjs/swagger';
import { RequiredText } from '../../validation/text.decorators';

export class UpdateAccountDto {
  @RequiredText(100)
  @ApiProperty({ description: "The name readers see on one's entries.", example: 'Ada Lovelace' })
  name!: string;
}
