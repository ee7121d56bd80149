import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { SystemHealth } from '@tessera/contracts';
import { Access } from '../auth/access.decorator';
import { SystemHealthService } from './system-health.service';

@ApiTags('health')
@ApiBearerAuth()
@Controller('system')
export class SystemHealthController {
  constructor(private readonly health: SystemHealthService) {}

  /** Every dependency probed now, with its latency and last error: for operators. */
  @Get('health')
  @Access.operator()
  check(): Promise<SystemHealth> {
    return this.health.check();
  }
}
