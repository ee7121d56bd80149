import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { HasText } from '../common/http/has-text';

export class NodeActionDto {
  @ApiProperty({ example: 'Kernel upgrade on the host, back by 14:00.' })
  @IsString()
  @Length(3, 500)
  @HasText()
  reason: string;
}
