import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ErrorBody } from './all-exceptions.filter';

/** Every error answer of the API, as AllExceptionsFilter writes it. */
@ApiSchema({ name: 'Error', description: 'An error answer: `{statusCode, message, error}`.' })
export class ErrorResponse implements Pick<ErrorBody, 'statusCode' | 'message' | 'error'> {
  @ApiProperty({ type: 'integer', description: "The answer's status." })
  statusCode!: number;

  @ApiProperty({
    description: 'What is wrong: a sentence, or one per field when several fields are wrong.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  message!: string | string[];

  @ApiProperty({ description: "The status's name, such as `Not Found`." })
  error!: string;
}
