import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenant } from '../auth/access.decorator';
import type { TenantAccess } from '../auth/access-records';
import { UpdateSubscriptionDto } from './subscription.dto';
import { SubscriptionsService } from './subscriptions.service';

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('tenants/:slug/subscription')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Get()
  @Access.tenant('subscription.read')
  read(@CurrentTenant() tenant: TenantAccess) {
    return this.subscriptions.read(tenant);
  }

  @Patch()
  @Access.operatorOnTenant()
  update(@CurrentTenant() tenant: TenantAccess, @Body() dto: UpdateSubscriptionDto) {
    return this.subscriptions.update(tenant, dto);
  }
}
