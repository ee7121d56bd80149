import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { MeService } from './me.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class MeController {
  constructor(private readonly me: MeService) {}

  /** The caller, created or updated from the token's claims, with their tenants. */
  @Get('me')
  @Access.authenticated()
  read(@CurrentActor() actor: Actor) {
    return this.me.describe(actor);
  }
}
