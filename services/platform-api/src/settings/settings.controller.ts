import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { UpdateSettingsDto } from './settings.dto';
import { SettingsService } from './settings.service';

@ApiTags('settings')
@ApiBearerAuth()
@Controller('system/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Access.operator()
  read() {
    return this.settings.read();
  }

  @Patch()
  @Access.operator()
  update(@Body() dto: UpdateSettingsDto) {
    return this.settings.update(dto);
  }
}
