import { ApiPropertyOptional } from '@nestjs/swagger';
import { LOG_TAIL_MAX } from '@tessera/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class LogTailQuery {
  @ApiPropertyOptional({ minimum: 0, maximum: LOG_TAIL_MAX, default: 100, description: 'How many of the last lines to send' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(LOG_TAIL_MAX)
  tail: number = 100;
}
