import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiTags } from '@nestjs/swagger';
import { PLANS, type Plan } from '@tessera/contracts';
import { Access } from '../auth/access.decorator';
import { ArchivePlanDto, UpdatePlanDto } from './plan.dto';
import { PlanKeyPipe } from './plan-key.pipe';
import { PlansService } from './plans.service';

/** The plans on offer, for anyone signed in (sign-up, the billing page). */
@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans')
export class PlanOffersController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @Access.authenticated()
  offers() {
    return this.plans.offers();
  }
}

/** The whole catalogue, for operators: edit, archive, restore. */
@ApiTags('plans')
@ApiBearerAuth()
@Controller('system/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @Access.operator()
  list() {
    return this.plans.list();
  }

  @Patch(':key')
  @Access.operator()
  @ApiParam({ name: 'key', enum: PLANS })
  update(@Param('key', PlanKeyPipe) key: Plan, @Body() dto: UpdatePlanDto) {
    return this.plans.update(key, dto);
  }

  @Post(':key/archive')
  @HttpCode(200)
  @Access.operator()
  @ApiParam({ name: 'key', enum: PLANS })
  archive(@Param('key', PlanKeyPipe) key: Plan, @Body() dto: ArchivePlanDto) {
    return this.plans.archive(key, dto.reason);
  }

  @Post(':key/restore')
  @HttpCode(200)
  @Access.operator()
  @ApiParam({ name: 'key', enum: PLANS })
  restore(@Param('key', PlanKeyPipe) key: Plan, @Body() dto: ArchivePlanDto) {
    return this.plans.restore(key, dto.reason);
  }
}
