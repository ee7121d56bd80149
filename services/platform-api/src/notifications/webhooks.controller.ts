import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor, CurrentPartner, CurrentTenant } from '../auth/access.decorator';
import type { PartnerAccess, TenantAccess } from '../auth/access-records';
import type { Actor } from '../auth/actor';
import { ObjectIdPipe } from '../common/http/object-id.pipe';
import { PageQuery } from '../common/http/paging.dto';
import { CreateWebhookDto } from './notifications.dto';
import { WebhooksService, type WebhookOwner } from './webhooks.service';

const ofTenant = (tenant: TenantAccess): WebhookOwner => ({ scope: 'tenant', scopeId: tenant.id, tenantId: tenant.id, partnerId: tenant.partnerId });
const ofPartner = (partner: PartnerAccess): WebhookOwner => ({ scope: 'partner', scopeId: partner.id, tenantId: null, partnerId: partner.id });
const PLATFORM: WebhookOwner = { scope: 'platform', scopeId: null, tenantId: null, partnerId: null };
const endpointId = new ObjectIdPipe('That webhook endpoint');

/** A tenant's webhooks: its owners (and operators) hear of the tenant's notices at their own URLs. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('tenants/:slug/webhooks')
export class TenantWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Access.tenant('notifications.manage')
  list(@CurrentTenant() tenant: TenantAccess) {
    return this.webhooks.list(ofTenant(tenant));
  }

  @Post()
  @Access.tenant('notifications.manage')
  create(@CurrentActor() actor: Actor, @CurrentTenant() tenant: TenantAccess, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(actor, ofTenant(tenant), dto);
  }

  /** A new signing secret, shown once in the answer; the old one signs beside it for 24 hours. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Access.tenant('notifications.manage')
  rotateSecret(@CurrentTenant() tenant: TenantAccess, @Param('id', endpointId) id: string) {
    return this.webhooks.rotateSecret(ofTenant(tenant), id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Access.tenant('notifications.manage')
  disable(@CurrentTenant() tenant: TenantAccess, @Param('id', endpointId) id: string) {
    return this.webhooks.disable(ofTenant(tenant), id);
  }

  @Get(':id/deliveries')
  @Access.tenant('notifications.manage')
  deliveries(@CurrentTenant() tenant: TenantAccess, @Param('id', endpointId) id: string, @Query() query: PageQuery) {
    return this.webhooks.deliveries(ofTenant(tenant), id, query.page, query.pageSize);
  }
}

/** A partner's webhooks: its admins hear of their customers' notices. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('partners/:partner/webhooks')
export class PartnerWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Access.partner('partner.settings.manage')
  list(@CurrentPartner() partner: PartnerAccess) {
    return this.webhooks.list(ofPartner(partner));
  }

  @Post()
  @Access.partner('partner.settings.manage')
  create(@CurrentActor() actor: Actor, @CurrentPartner() partner: PartnerAccess, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(actor, ofPartner(partner), dto);
  }

  /** A new signing secret, shown once in the answer; the old one signs beside it for 24 hours. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Access.partner('partner.settings.manage')
  rotateSecret(@CurrentPartner() partner: PartnerAccess, @Param('id', endpointId) id: string) {
    return this.webhooks.rotateSecret(ofPartner(partner), id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Access.partner('partner.settings.manage')
  disable(@CurrentPartner() partner: PartnerAccess, @Param('id', endpointId) id: string) {
    return this.webhooks.disable(ofPartner(partner), id);
  }

  @Get(':id/deliveries')
  @Access.partner('partner.settings.manage')
  deliveries(@CurrentPartner() partner: PartnerAccess, @Param('id', endpointId) id: string, @Query() query: PageQuery) {
    return this.webhooks.deliveries(ofPartner(partner), id, query.page, query.pageSize);
  }
}

/** The platform's webhooks: operators hear of platform events. */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('system/webhooks')
export class PlatformWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @Access.operator()
  list() {
    return this.webhooks.list(PLATFORM);
  }

  @Post()
  @Access.operator()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(actor, PLATFORM, dto);
  }

  /** A new signing secret, shown once in the answer; the old one signs beside it for 24 hours. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Access.operator()
  rotateSecret(@Param('id', endpointId) id: string) {
    return this.webhooks.rotateSecret(PLATFORM, id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Access.operator()
  disable(@Param('id', endpointId) id: string) {
    return this.webhooks.disable(PLATFORM, id);
  }

  @Get(':id/deliveries')
  @Access.operator()
  deliveries(@Param('id', endpointId) id: string, @Query() query: PageQuery) {
    return this.webhooks.deliveries(PLATFORM, id, query.page, query.pageSize);
  }
}
