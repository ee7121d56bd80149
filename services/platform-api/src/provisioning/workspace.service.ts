import { Injectable } from '@nestjs/common';
import type { WorkspaceStatus } from '@tessera/contracts';
import { mutation, type Mutation } from '../audit/mutation';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ReconcileService } from './reconcile.service';
import { isIntegrationError } from '../integrations/integration-error';

/** A tenant's workspace as its owners see it: state, CPU and memory; restart and stop. */
@Injectable()
export class WorkspaceService {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly tenants: TenantsRepository,
    private readonly reconcile: ReconcileService,
  ) {}

  async status(tenant: TenantRecord): Promise<WorkspaceStatus> {
    const unknown = (reason: string): WorkspaceStatus => ({ state: 'unknown', image: null, startedAt: null, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, reason });
    try {
      return await this.runtime.status(tenant.slug, true);
    } catch (error: unknown) {
      if (isIntegrationError(error, 'containers')) return unknown(error.message);
      throw error;
    }
  }

  /** Clears an owner's stop and restarts the workspace through a reconcile, which also heals what drifted. */
  async restart(tenant: TenantRecord): Promise<Mutation<WorkspaceStatus>> {
    const updated = (await this.tenants.update(tenant.id, { workspaceStopped: false })) ?? tenant;
    await this.reconcile.reconcile(updated, { wait: true, only: ['workspace'] });
    if (updated.status === 'active' && !tenant.workspaceStopped) await this.runtime.restart(tenant.slug).catch(() => undefined);
    return mutation(await this.status(updated), {
      action: 'workspace.restart',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: tenant.workspaceStopped ? { workspaceStopped: { from: true, to: false } } : {},
    });
  }

  /** Stops the workspace and keeps it stopped (reconcile respects it) until restarted. */
  async stop(tenant: TenantRecord): Promise<Mutation<WorkspaceStatus>> {
    const updated = (await this.tenants.update(tenant.id, { workspaceStopped: true })) ?? tenant;
    await this.reconcile.reconcile(updated, { wait: true, only: ['workspace'] });
    return mutation(await this.status(updated), {
      action: 'workspace.stop',
      target: { type: 'workspace', id: tenant.slug },
      tenantId: tenant.id,
      changes: tenant.workspaceStopped ? {} : { workspaceStopped: { from: false, to: true } },
    });
  }
}
