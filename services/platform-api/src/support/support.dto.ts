import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { HasText } from '../common/http/has-text';

export class RequestSupportDto {
  @ApiProperty({ example: 'Customer reports a broken workspace (ticket 4711)' })
  @IsString()
  @Length(5, 500)
  @HasText()
  reason: string;
}
