import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Nest's usual error answer. */
@ApiSchema({ name: 'Error' })
export class ErrorDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Why: the reason, or one line per refused parameter.',
  })
  message!: string | string[];

  @ApiProperty({ example: 'Bad Request' })
  error!: string;
}
