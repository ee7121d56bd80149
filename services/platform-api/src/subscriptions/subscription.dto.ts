import { ApiPropertyOptional } from '@nestjs/swagger';
import { SUBSCRIPTION_STATUSES, type Subscription as SubscriptionShape, type SubscriptionStatus } from '@tessera/contracts';
import { IsIn, IsInt, IsISO4217CurrencyCode, IsISO8601, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import type { SubscriptionRecord } from './subscription.schema';
import { HasText } from '../common/http/has-text';

/** What an operator may change on a subscription; the plan follows the tenant's plan. */
export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ enum: SUBSCRIPTION_STATUSES })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;

  @ApiPropertyOptional({ description: 'Minor units per month', example: 4900 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  monthlyPrice?: number;

  @ApiPropertyOptional({ example: 'EUR' })
  @IsOptional()
  @IsISO4217CurrencyCode()
  currency?: string;

  @ApiPropertyOptional({ example: '2026-12-31T00:00:00.000Z', nullable: true, description: 'When the trial ends; null: no trial' })
  @ValidateIf((dto: UpdateSubscriptionDto) => dto.trialEndsAt !== null)
  @IsOptional()
  @IsISO8601({ strict: true })
  trialEndsAt?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 120)
  @HasText()
  externalCustomerId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 120)
  @HasText()
  externalSubscriptionId?: string;
}

export function mapSubscription(subscription: SubscriptionRecord): SubscriptionShape {
  return {
    id: subscription.id,
    tenantId: subscription.tenantId,
    plan: subscription.plan,
    status: subscription.status,
    monthlyPrice: subscription.monthlyPrice,
    currency: subscription.currency,
    trialEndsAt: subscription.trialEndsAt ? subscription.trialEndsAt.toISOString() : null,
    externalCustomerId: subscription.externalCustomerId,
    externalSubscriptionId: subscription.externalSubscriptionId,
    updatedAt: subscription.updatedAt.toISOString(),
  };
}
