import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { PlatformOverview } from '@tessera/contracts';
import { Access } from '../auth/access.decorator';
import { OverviewService } from './overview.service';

@ApiTags('health')
@ApiBearerAuth()
@Controller('system/overview')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  @Access.operator()
  read(): Promise<PlatformOverview> {
    return this.overview.read();
  }
}
