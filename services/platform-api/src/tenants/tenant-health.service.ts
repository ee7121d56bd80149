import { Injectable, Logger } from '@nestjs/common';
import type { Tenant as TenantShape, WorkspaceStatus } from '@tessera/contracts';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { mapTenant } from './tenant.dto';
import { tenantHealth } from './tenant-health';
import type { TenantRecord } from './tenant.schema';
import { IntegrationDisabled, isIntegrationError } from '../integrations/integration-error';

/**
 * Tenants as the API answers them, each with its health. A whole list costs
 * one subscriptions query and one engine call, whatever its length.
 */
@Injectable()
export class TenantHealthService {
  private readonly logger = new Logger(TenantHealthService.name);

  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly runtime: ContainerRuntime,
  ) {}

  async describe(tenants: TenantRecord[]): Promise<TenantShape[]> {
    if (tenants.length === 0) return [];
    const [statuses, workspaces] = await Promise.all([this.subscriptions.statusesOf(tenants.map((t) => t.id)), this.workspaceStates()]);
    return tenants.map((tenant) =>
      mapTenant(
        tenant,
        tenantHealth({
          tenant,
          subscription: statuses.get(tenant.id) ?? null,
          workspace: workspaces ? (workspaces.get(tenant.id) ?? 'missing') : 'unknown',
        }),
      ),
    );
  }

  async describeOne(tenant: TenantRecord): Promise<TenantShape> {
    const [described] = await this.describe([tenant]);
    return described!;
  }

  /** Every workspace's state by tenant id; null when no engine is configured (IntegrationDisabled) or it does not answer. */
  private async workspaceStates(): Promise<Map<string, WorkspaceStatus['state']> | null> {
    try {
      return await this.runtime.workspaceStates();
    } catch (error: unknown) {
      if (!isIntegrationError(error, 'containers')) throw error;
      if (error instanceof IntegrationDisabled) return null;
      this.logger.warn({ error: error.message }, 'workspace states unknown: the container engine did not answer');
      return null;
    }
  }
}
