import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentActor } from '../auth/access.decorator';
import type { Actor } from '../auth/actor';
import { UpdatePreferencesDto } from './notifications.dto';
import { NotificationPreferencesService } from './notification-preferences.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('users/me/notification-preferences')
export class NotificationPreferencesController {
  constructor(private readonly preferences: NotificationPreferencesService) {}

  /** Every kind on every personal channel, on or off; security kinds are locked on. */
  @Get()
  @Access.authenticated()
  read(@CurrentActor() actor: Actor) {
    return this.preferences.read(actor);
  }

  /** Turns kinds on or off; turning a security kind off is refused (400) and changes nothing. */
  @Put()
  @Access.authenticated()
  update(@CurrentActor() actor: Actor, @Body() dto: UpdatePreferencesDto) {
    return this.preferences.update(actor, dto.items);
  }
}
