import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { TenantsModule } from '../tenants/tenants.module';
import { IncidentMonitor } from './incident-monitor.service';
import { IncidentsController } from './incidents.controller';
import { IncidentsService } from './incidents.service';

/** Incidents: the pass that opens and resolves them, and the routes operators work them with. Their data lives in the IncidentsRepository. */
@Module({
  imports: [HealthModule, TenantsModule],
  controllers: [IncidentsController],
  providers: [IncidentsService, IncidentMonitor],
  exports: [IncidentMonitor],
})
export class IncidentsModule {}
