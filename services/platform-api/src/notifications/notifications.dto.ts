import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NOTIFICATION_KINDS, PERSONAL_NOTIFICATION_CHANNELS, type NotificationKind, type PersonalNotificationChannel, type WebhookDelivery, type WebhookEndpoint } from '@tessera/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, MaxLength, ValidateNested } from 'class-validator';
import type { DeliveryRecord, NotificationRecord, WebhookEndpointRecord } from './notification.schema';

export class PreferenceChangeDto {
  @ApiProperty({ enum: NOTIFICATION_KINDS })
  @IsIn(NOTIFICATION_KINDS)
  kind: NotificationKind;

  @ApiProperty({ enum: PERSONAL_NOTIFICATION_CHANNELS })
  @IsIn(PERSONAL_NOTIFICATION_CHANNELS)
  channel: PersonalNotificationChannel;

  @ApiProperty()
  @IsBoolean()
  enabled: boolean;
}

export class UpdatePreferencesDto {
  @ApiProperty({ type: [PreferenceChangeDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_KINDS.length * PERSONAL_NOTIFICATION_CHANNELS.length)
  @ValidateNested({ each: true })
  @Type(() => PreferenceChangeDto)
  items: PreferenceChangeDto[];
}

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/tessera' })
  @IsString()
  @MaxLength(2_000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true }, { message: 'url must be an http:// or https:// address' })
  url: string;

  @ApiPropertyOptional({ example: 'Our on-call channel' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_KINDS, isArray: true, description: 'The kinds to send; none: every kind' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_KINDS.length)
  @IsIn(NOTIFICATION_KINDS, { each: true })
  kinds?: NotificationKind[];
}

export function mapEndpoint(endpoint: WebhookEndpointRecord): WebhookEndpoint {
  return {
    id: endpoint.id,
    scope: endpoint.scope,
    url: endpoint.url,
    description: endpoint.description,
    kinds: endpoint.kinds,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    secretRotatedAt: endpoint.secretRotatedAt?.toISOString() ?? null,
    previousSecretUntil: endpoint.previousSecret && endpoint.previousSecretUntil ? endpoint.previousSecretUntil.toISOString() : null,
  };
}

export function mapDelivery(delivery: DeliveryRecord, notice: NotificationRecord | undefined): WebhookDelivery {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId ?? '',
    kind: delivery.kind,
    subject: notice?.subject ?? '',
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.state === 'pending' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    lastStatus: delivery.lastStatus,
    lastResponse: delivery.lastResponse,
    answers: delivery.answers.map((attempt) => ({ at: attempt.at.toISOString(), status: attempt.status, answer: attempt.answer })),
    createdAt: delivery.createdAt.toISOString(),
    sentAt: delivery.sentAt?.toISOString() ?? null,
  };
}
