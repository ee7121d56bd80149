import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/http/paging.dto';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Tenant slug' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  tenant?: string;

  @ApiPropertyOptional({ description: "A person: part of their name or email (case-insensitive), or an actor's token subject as it is (CI's client, a platform process)", example: 'opal' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  @ApiPropertyOptional({ example: 'tenant.update', description: 'One action (`workspace.stop`), or every action of one kind (`workspace`)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[a-z]+(\.[a-z-]+)*$/, { message: 'action is an action such as workspace.stop, or a kind such as workspace' })
  action?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 time, inclusive' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 time, inclusive' })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

/** A tenant's own activity: the audit filters but the tenant, which the path names. */
export class TenantActivityQuery extends OmitType(AuditQuery, ['tenant'] as const) {}
