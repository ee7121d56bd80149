import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { Access } from '../auth/access.decorator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MongooseHealthIndicator,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @Access.public()
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers a ping. */
  @Get('ready')
  @Access.public()
  @HealthCheck()
  ready() {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 1_500 })]);
  }
}
