import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { FLAG_RULE_TYPES, PLANS, type FeatureFlag, type FlagRuleType, type Plan } from '@tessera/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsMongoId,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
  IsDefined,
  IsObject,
} from 'class-validator';
import type { FeatureFlagRecord } from './flag.schema';
import { HasText } from '../common/http/has-text';

export class FlagRuleDto {
  @ApiProperty({ enum: FLAG_RULE_TYPES })
  @IsIn(FLAG_RULE_TYPES)
  type: FlagRuleType;

  @ApiProperty()
  @IsBoolean()
  value: boolean;

  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((rule: FlagRuleDto) => rule.type === 'tenants')
  @IsArray()
  @ArrayMaxSize(1000)
  @IsMongoId({ each: true })
  tenantIds?: string[];

  @ApiPropertyOptional({ enum: PLANS, isArray: true })
  @ValidateIf((rule: FlagRuleDto) => rule.type === 'plans')
  @IsArray()
  @IsIn(PLANS, { each: true })
  plans?: Plan[];

  @ApiPropertyOptional({ type: [String] })
  @ValidateIf((rule: FlagRuleDto) => rule.type === 'partners')
  @IsArray()
  @ArrayMaxSize(1000)
  @IsMongoId({ each: true })
  partnerIds?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 100 })
  @ValidateIf((rule: FlagRuleDto) => rule.type === 'percentage')
  @IsInt()
  @Min(0)
  @Max(100)
  percentage?: number;
}

export class CreateFlagDto {
  @ApiProperty({ example: 'new-editor' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'key must be 2–63 lowercase letters, digits and hyphens, starting with a letter' })
  key: string;

  @ApiProperty()
  @IsString()
  @Length(1, 500)
  @HasText()
  description: string;

  @ApiPropertyOptional({ default: true, description: 'The kill switch: off means false for everyone' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  defaultValue?: boolean;

  @ApiPropertyOptional({ type: [FlagRuleDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => FlagRuleDto)
  rules?: FlagRuleDto[];

  @ApiProperty({ example: 'team-editor@tessera.example' })
  @IsString()
  @Length(1, 200)
  @HasText()
  owner: string;

  @ApiPropertyOptional({ description: 'When the flag is expected to be removed (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  expiresAt?: string;
}

export class UpdateFlagDto extends PartialType(CreateFlagDto) {}

export class EvaluateFlagsDto {
  @ApiPropertyOptional({ description: 'The tenant to evaluate for; by default the caller’s only tenant' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  @HasText()
  tenantSlug?: string;
}

/** A flag as it would be saved, evaluated for one tenant before it is: nothing is stored. */
export class PreviewFlagDto {
  @ApiProperty({ description: 'The tenant to evaluate for' })
  @IsString()
  @Length(1, 32)
  @HasText()
  tenantSlug: string;

  @ApiProperty({ type: () => CreateFlagDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CreateFlagDto)
  flag: CreateFlagDto;
}

const STALE_AFTER_MS = 30 * 24 * 3600 * 1000;

/** Stale: unchanged for more than 30 days, or fully rolled out (true for everyone). */
export function staleness(flag: FeatureFlagRecord, now: Date): string | null {
  if (now.getTime() - flag.updatedAt.getTime() > STALE_AFTER_MS) return 'unchanged for more than 30 days';
  const rules = flag.rules as { type?: string; percentage?: number; value?: boolean }[];
  // Everyone gets true: every rule up to a 100 % rollout of true (or, with none, the default too) gives true.
  const fullRollout = rules.findIndex((rule) => rule.type === 'percentage' && rule.percentage === 100 && rule.value === true);
  const deciding = fullRollout === -1 ? rules : rules.slice(0, fullRollout);
  const everyone = deciding.every((rule) => rule.value === true) && (fullRollout !== -1 || flag.defaultValue);
  if (flag.enabled && everyone) return 'fully rolled out';
  return null;
}

export function mapFlag(flag: FeatureFlagRecord, now: Date): FeatureFlag {
  const staleReason = staleness(flag, now);
  return {
    key: flag.key,
    description: flag.description,
    enabled: flag.enabled,
    defaultValue: flag.defaultValue,
    rules: flag.rules as unknown as FeatureFlag['rules'],
    owner: flag.owner,
    expiresAt: flag.expiresAt?.toISOString() ?? null,
    archived: flag.archivedAt !== null,
    stale: staleReason !== null,
    staleReason,
    updatedAt: flag.updatedAt.toISOString(),
  };
}
