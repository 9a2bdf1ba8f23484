import { RequiredText } from '../../validation/text.decorators';

export class UpdateAccountDto {
  /** The name readers see on one's entries. */
  @RequiredText(100)
  name!: string;
}
