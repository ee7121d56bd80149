import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { PLANS, RESERVED_SLUGS, SLUG_PATTERN, SLUG_RULE, TENANT_LIFECYCLES, TENANT_STATUSES, type Plan, type TenantLifecycle, type Tenant as TenantShape, type TenantStatus } from '@tessera/contracts';
import {
  IsBoolean,
  IsHexColor,
  IsIn,
  IsMongoId,
  IsNotIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQuery } from '../common/http/paging.dto';
import type { TenantRecord } from './tenant.schema';
import { HasText } from '../common/http/has-text';

export class CreateTenantDto {
  @ApiProperty({ example: 'northwind', description: SLUG_RULE })
  @IsString()
  @Matches(SLUG_PATTERN, { message: `slug must be ${SLUG_RULE}` })
  @IsNotIn(RESERVED_SLUGS, { message: 'slug is reserved' })
  slug: string;

  @ApiProperty({ example: 'Northwind Traders' })
  @IsString()
  @Length(1, 100)
  @HasText()
  name: string;

  @ApiPropertyOptional({ enum: PLANS, default: 'free' })
  @IsOptional()
  @IsIn(PLANS)
  plan?: Plan;

  @ApiPropertyOptional({ example: 'retail' })
  @IsOptional()
  @IsString()
  @Length(1, 60)
  @HasText()
  industry?: string;

  @ApiPropertyOptional({ example: '#3355ff' })
  @IsOptional()
  @IsHexColor()
  brandColor?: string;
}

/**
 * Everything a tenant's owner may change: the creation fields but the slug.
 * Custom domains are not set here: they are added, proven and removed at
 * /tenants/:slug/domains, so no tenant can take a name by writing it.
 */
export class UpdateTenantDto extends PartialType(OmitType(CreateTenantDto, ['slug'] as const)) {
  @ApiPropertyOptional({ description: 'Never put the workspace to sleep when idle' })
  @IsOptional()
  @IsBoolean()
  keepAwake?: boolean;
}

/** Suspend, resume and terminate: the reason goes into the audit trail. */
export class LifecycleDto {
  @ApiPropertyOptional({ example: 'Unpaid invoices since March' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @HasText()
  reason?: string;
}

/** Terminate: the workspace's data is backed up first; `force` (with a reason) terminates even when that backup fails. */
export class TerminateTenantDto extends LifecycleDto {
  @ApiPropertyOptional({ description: 'Terminate even if the backup taken first fails (a reason is then required)' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ enum: TENANT_LIFECYCLES, description: '`live`: every status but terminated; `ended`: terminated (rejected sign-ups included)' })
  @IsOptional()
  @IsIn(TENANT_LIFECYCLES)
  lifecycle?: TenantLifecycle;

  @ApiPropertyOptional({ enum: PLANS })
  @IsOptional()
  @IsIn(PLANS)
  plan?: Plan;

  @ApiPropertyOptional({ description: 'Partner id' })
  @IsOptional()
  @IsMongoId()
  partner?: string;

  @ApiPropertyOptional({ description: 'Start of the slug or part of the name' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;
}

export function mapTenant(tenant: TenantRecord, health: TenantShape['health']): TenantShape {
  const provisioning: TenantShape['provisioning'] = {};
  for (const [step, record] of Object.entries(tenant.provisioning)) {
    if (!record) continue;
    provisioning[step] = {
      state: record.state,
      ...(record.handle ? { handle: record.handle } : {}),
      ...(record.error ? { error: record.error } : {}),
      attempts: record.attempts,
      updatedAt: record.updatedAt.toISOString(),
    };
  }
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    plan: tenant.plan,
    domains: [...tenant.domains],
    partnerId: tenant.partnerId,
    industry: tenant.industry,
    brandColor: tenant.brandColor,
    provisioning,
    approval: tenant.approval ?? null,
    health,
    keepAwake: tenant.keepAwake ?? false,
    lastActivityAt: tenant.lastActivityAt?.toISOString() ?? null,
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}
