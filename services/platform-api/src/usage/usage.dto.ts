import { ApiPropertyOptional } from '@nestjs/swagger';
import { USAGE_RANGES, type UsageRange } from '@tessera/contracts';
import { IsIn, IsOptional } from 'class-validator';

export class UsageQuery {
  @ApiPropertyOptional({ enum: USAGE_RANGES, default: '24h', description: 'How far back: samples for 1h, 5-minute points for 24h, hourly points for 7d and 30d' })
  @IsOptional()
  @IsIn(USAGE_RANGES)
  range: UsageRange = '24h';
}
