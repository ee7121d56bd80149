import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenant } from '../auth/access.decorator';
import type { TenantDocument } from '../tenants/tenant.schema';
import { UpdateSubscriptionDto } from './subscription.dto';
import { SubscriptionsService } from './subscriptions.service';

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('tenants/:slug/subscription')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Get()
  @Access.tenant('subscription.read')
  read(@CurrentTenant() tenant: TenantDocument) {
    return this.subscriptions.read(tenant);
  }

  @Patch()
  @Access.operatorOnTenant()
  update(@CurrentTenant() tenant: TenantDocument, @Body() dto: UpdateSubscriptionDto) {
    return this.subscriptions.update(tenant, dto);
  }
}
