import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLANS, SERVICE_NAME_PATTERN, type CatalogPlan as CatalogPlanShape, type Plan, type PlanOffer } from '@tessera/contracts';
import { Type } from 'class-transformer';
import { createHash } from 'node:crypto';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { HasText } from '../common/http/has-text';
import type { PlanRecord } from './plan.schema';

/** An image reference as engines take it: `name[:tag][@sha256:digest]`, lower-case name. */
export const IMAGE_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,199}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
/** The most services one workspace may declare (as WORKSPACE_SERVICES). */
export const MAX_PLAN_SERVICES = 10;

export class PlanKeyParams {
  @ApiProperty({ enum: PLANS })
  @IsIn(PLANS, { message: `plan must be one of ${PLANS.join(', ')}` })
  key: Plan;
}

export class PlanLimitsDto {
  @ApiProperty({ example: 0.5, description: 'CPU cores, 0.05 to 16' })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0.05)
  @Max(16)
  cpus: number;

  @ApiProperty({ example: 128, description: 'Memory in MB, 16 to 65536' })
  @IsInt()
  @Min(16)
  @Max(65_536)
  memoryMb: number;

  @ApiProperty({ example: 128, description: 'Most processes at once, 16 to 32768' })
  @IsInt()
  @Min(16)
  @Max(32_768)
  pids: number;
}

export class PlanPriceDto {
  @ApiProperty({ example: 'EUR' })
  @IsISO4217CurrencyCode()
  currency: string;

  @ApiProperty({ example: 1900, description: 'Minor units (cents) per month' })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  monthlyPrice: number;
}

export class PlanServiceDto {
  @ApiProperty({ example: 'app', description: '3–20 lowercase letters, digits and single hyphens, starting with a letter' })
  @IsString()
  @Matches(SERVICE_NAME_PATTERN, { message: 'a service name must be 3–20 lowercase letters, digits and single hyphens, starting with a letter' })
  name: string;

  @ApiProperty({ example: 8080 })
  @IsInt()
  @Min(1)
  @Max(65_535)
  port: number;
}

export class PlanTemplateDto {
  @ApiProperty({ example: 'localhost/tessera-workspace:busybox-1' })
  @IsString()
  @Matches(IMAGE_PATTERN, { message: 'image must be an image name such as registry/name:tag, in lower case' })
  image: string;

  @ApiProperty({ type: [String], example: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/srv'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  @Matches(/^[^\0]*$/, { each: true, message: 'command must not hold a NUL character' })
  command: string[];

  @ApiProperty({ type: [PlanServiceDto], description: 'The first answers at the tenant’s own address' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PLAN_SERVICES)
  @ValidateNested({ each: true })
  @Type(() => PlanServiceDto)
  services: PlanServiceDto[];
}

export class PlanBackupsDto {
  @ApiProperty({ example: 24, description: 'Hours between scheduled backups, 0 (none) to 168' })
  @IsInt()
  @Min(0)
  @Max(168)
  intervalHours: number;

  @ApiProperty({ example: 7, description: 'Newest snapshots kept, 1 to 500' })
  @IsInt()
  @Min(1)
  @Max(500)
  keepLast: number;

  @ApiProperty({ example: 14, description: 'Also the newest snapshot of each of this many last days, 0 to 3660' })
  @IsInt()
  @Min(0)
  @Max(3_660)
  keepDaily: number;
}

/** What an operator may change on a plan; every field is optional. */
export class UpdatePlanDto {
  @ApiPropertyOptional({ example: 'Business' })
  @IsOptional()
  @IsString()
  @Length(1, 60)
  @HasText()
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  description?: string;

  @ApiPropertyOptional({ type: PlanLimitsDto, description: 'Changing them restarts the workspaces of the plan’s tenants' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PlanLimitsDto)
  limits?: PlanLimitsDto;

  @ApiPropertyOptional({ type: [PlanPriceDto], description: 'One per currency; the first is the list currency' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => PlanPriceDto)
  prices?: PlanPriceDto[];

  @ApiPropertyOptional({ description: 'Whether an idle workspace on this plan is put to sleep' })
  @IsOptional()
  @IsBoolean()
  sleeps?: boolean;

  @ApiPropertyOptional({ example: 1200, description: 'Seconds without a request before it sleeps, 60 to 30 days' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3_600)
  idleSeconds?: number;

  @ApiPropertyOptional({ type: PlanBackupsDto, description: 'Scheduled backups and how many snapshots are kept' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PlanBackupsDto)
  backups?: PlanBackupsDto;

  @ApiPropertyOptional({ type: PlanTemplateDto, description: 'Changing it recreates the workspaces of the plan’s tenants' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PlanTemplateDto)
  template?: PlanTemplateDto;
}

export class ArchivePlanDto {
  @ApiPropertyOptional({ example: 'Replaced by Business' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @HasText()
  reason?: string;
}

/** What the workspace step builds from a plan, hashed: equal on two plans, a move between them keeps the container. */
export function workspaceFingerprint(plan: Pick<PlanRecord, 'limits' | 'template'>): string {
  return createHash('sha256').update(JSON.stringify({ limits: plan.limits, template: plan.template })).digest('hex').slice(0, 16);
}

export function mapOffer(plan: PlanRecord): PlanOffer {
  return {
    key: plan.key,
    name: plan.name,
    description: plan.description,
    limits: { ...plan.limits },
    prices: plan.prices.map((price) => ({ ...price })),
    sleeps: plan.sleeps,
    idleSeconds: plan.idleSeconds,
    services: plan.template.services.map((service) => ({ ...service })),
    backups: { ...plan.backups },
    workspaceFingerprint: workspaceFingerprint(plan),
    archived: plan.archived,
  };
}

export function mapCatalogPlan(plan: PlanRecord, tenantCount: number): CatalogPlanShape {
  return {
    ...mapOffer(plan),
    template: { image: plan.template.image, command: [...plan.template.command], services: plan.template.services.map((service) => ({ ...service })) },
    tenantCount,
    editedAt: plan.editedAt ? plan.editedAt.toISOString() : null,
    updatedAt: plan.updatedAt.toISOString(),
  };
}
