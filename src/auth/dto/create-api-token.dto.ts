import { RequiredText } from '../../validation/text.decorators';

export class CreateApiTokenDto {
  /** What the token is for ("results importer"), to recognize it in the list. */
  @RequiredText(100)
  name!: string;
}
