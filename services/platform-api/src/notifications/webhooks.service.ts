import { Injectable } from '@nestjs/common';
import { WEBHOOK_PREVIOUS_SECRET_HOURS, type CreatedWebhookEndpoint, type Page, type WebhookDelivery, type WebhookEndpoint, type WebhookScope } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { WebhookEndpointRecord } from './notification.schema';
import { mapDelivery, mapEndpoint, type CreateWebhookDto } from './notifications.dto';
import { NotificationsRepository, WebhookEndpointsRepository } from './notifications.repository';
import { isPrivateAddress } from './webhook-client';

/** Whose endpoints: a tenant (and its partner, for the audit trail), a partner, or the platform. */
export interface WebhookOwner {
  scope: WebhookScope;
  scopeId: string | null;
  tenantId: string | null;
  partnerId: string | null;
}

/** The most endpoints one tenant, partner or the platform may have enabled. */
const MAX_ENABLED = 10;

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * Webhook endpoints: created with a secret shown once, listed, their secret
 * rotated (the new one shown once), disabled (never deleted), with their
 * delivery logs.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly outbox: NotificationsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async list(owner: WebhookOwner): Promise<WebhookEndpoint[]> {
    return (await this.endpoints.listFor(owner.scope, owner.scopeId)).map(mapEndpoint);
  }

  async create(actor: Actor, owner: WebhookOwner, dto: CreateWebhookDto): Promise<Mutation<CreatedWebhookEndpoint>> {
    const url = new URL(dto.url);
    if (url.username || url.password) throw DomainError.invalid({ url: ['url must not carry a user name or password: the signature authenticates Tessera'] });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.config.notifications.allowPrivateWebhookTargets && (host === 'localhost' || (isIP(host) && isPrivateAddress(host)))) {
      throw DomainError.invalid({ url: ['url must be a public address: webhooks may not reach the platform’s own network'] });
    }
    const enabled = (await this.endpoints.listFor(owner.scope, owner.scopeId)).filter((endpoint) => !endpoint.disabledAt);
    if (enabled.length >= MAX_ENABLED) throw DomainError.conflict(`There are ${MAX_ENABLED} webhook endpoints already: disable one before adding another`);
    const secret = newSecret();
    const created = await this.endpoints.create({
      scope: owner.scope,
      scopeId: owner.scopeId,
      url: url.toString(),
      description: dto.description?.trim() ?? '',
      kinds: [...new Set(dto.kinds ?? [])],
      secret,
      createdBy: actor.user?.id ?? null,
    });
    return mutation({ ...mapEndpoint(created), secret }, {
      action: 'webhook.create',
      target: { type: 'webhook', id: created.id },
      tenantId: owner.tenantId,
      partnerId: owner.partnerId,
      changes: { url: { from: null, to: created.url }, kinds: { from: null, to: created.kinds } },
    });
  }

  /**
   * A new signing secret, shown once. Deliveries from now on are signed with it; for
   * WEBHOOK_PREVIOUS_SECRET_HOURS they carry a second signature with the replaced one, so a
   * receiver that still checks the old secret keeps accepting them while it is moved to the new.
   * The audit trail records that (and when) it was rotated, never a secret.
   */
  async rotateSecret(owner: WebhookOwner, id: string): Promise<Mutation<CreatedWebhookEndpoint>> {
    const endpoint = await this.owned(owner, id);
    if (endpoint.disabledAt) throw DomainError.conflict('This webhook endpoint is disabled: it sends nothing, so its secret is not rotated');
    const now = this.clock.now();
    const secret = newSecret();
    const rotated = await this.endpoints.rotateSecret(id, endpoint.secret, secret, new Date(now.getTime() + WEBHOOK_PREVIOUS_SECRET_HOURS * 3_600_000), now);
    if (!rotated) throw DomainError.conflict('This webhook endpoint changed meanwhile (disabled, or its secret rotated): reload and try again');
    return mutation({ ...mapEndpoint(rotated), secret }, {
      action: 'webhook.rotate_secret',
      target: { type: 'webhook', id },
      tenantId: owner.tenantId,
      partnerId: owner.partnerId,
      changes: { secretRotatedAt: { from: endpoint.secretRotatedAt?.toISOString() ?? null, to: now.toISOString() } },
    });
  }

  async disable(owner: WebhookOwner, id: string): Promise<Mutation<WebhookEndpoint>> {
    const endpoint = await this.owned(owner, id);
    if (endpoint.disabledAt) throw DomainError.conflict('This webhook endpoint is disabled already');
    const disabled = await this.endpoints.disable(id, this.clock.now());
    if (!disabled) throw DomainError.conflict('This webhook endpoint is disabled already');
    return mutation(mapEndpoint(disabled), {
      action: 'webhook.disable',
      target: { type: 'webhook', id },
      tenantId: owner.tenantId,
      partnerId: owner.partnerId,
      changes: { disabledAt: { from: null, to: disabled.disabledAt } },
    });
  }

  async deliveries(owner: WebhookOwner, id: string, page: number, pageSize: number): Promise<Page<WebhookDelivery>> {
    await this.owned(owner, id);
    const { items, total } = await this.outbox.listForEndpoint(id, (page - 1) * pageSize, pageSize);
    const notices = await this.outbox.findNotifications([...new Set(items.map((delivery) => delivery.notificationId))]);
    return { items: items.map((delivery) => mapDelivery(delivery, notices.get(delivery.notificationId))), total, page, pageSize };
  }

  /** The endpoint, when it belongs to this owner; else 404 (another's endpoint is not said to exist). */
  private async owned(owner: WebhookOwner, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.endpoints.findById(id);
    if (!endpoint || endpoint.scope !== owner.scope || endpoint.scopeId !== owner.scopeId) throw DomainError.notFound('That webhook endpoint');
    return endpoint;
  }
}
