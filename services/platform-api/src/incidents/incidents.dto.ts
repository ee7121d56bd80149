import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INCIDENT_ACTIONS, INCIDENT_STATES, SLUG_PATTERN, type IncidentAction, type IncidentState } from '@tessera/contracts';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { HasText } from '../common/http/has-text';
import { PageQuery } from '../common/http/paging.dto';

export class ListIncidentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: INCIDENT_STATES })
  @IsOptional()
  @IsIn(INCIDENT_STATES)
  state?: IncidentState;

  @ApiPropertyOptional({ description: "A tenant's slug: that tenant's incidents" })
  @IsOptional()
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'tenant must be a tenant slug' })
  tenant?: string;
}

export class ResolveIncidentDto {
  @ApiProperty({ example: 'The engine host was rebooted by its provider; back since 14:05.' })
  @IsString()
  @Length(3, 1_000)
  @HasText()
  note: string;
}

export class IncidentActionDto {
  @ApiProperty({ enum: INCIDENT_ACTIONS })
  @IsIn(INCIDENT_ACTIONS)
  action: IncidentAction;
}
