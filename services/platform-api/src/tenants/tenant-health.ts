import type { SubscriptionStatus, TenantHealth, TenantHealthStatus, WorkspaceStatus } from '@tessera/contracts';
import type { TenantRecord } from './tenant.schema';

/** Steps without which the workspace cannot be reached; the others only degrade it. */
const ESSENTIAL_STEPS = new Set(['identity', 'workspace', 'route']);
const SEVERITY: Record<TenantHealthStatus, number> = { healthy: 0, degraded: 1, stopped: 2, down: 3, suspended: 4 };

export interface HealthInputs {
  tenant: Pick<TenantRecord, 'status' | 'provisioning' | 'workspaceStopped'> & { approval?: TenantRecord['approval'] };
  /** null when the tenant has no subscription. */
  subscription: SubscriptionStatus | null;
  /** 'unknown' when the engine could not be asked: then the workspace makes no claim. */
  workspace: WorkspaceStatus['state'];
}

/**
 * A tenant's health, worst finding first: suspended (or terminated) overrides
 * everything; a failed essential step, a missing or crashed workspace make it
 * down; pending steps, failed optional steps, an owner's stop and billing
 * trouble make it degraded. A workspace asleep after idling is healthy.
 * Every finding adds its reason.
 */
export function tenantHealth({ tenant, subscription, workspace }: HealthInputs): TenantHealth {
  if (tenant.status === 'suspended') return { status: 'suspended', reasons: ['Suspended by an operator'] };
  if (tenant.approval === 'rejected') return { status: 'down', reasons: ['The sign-up was rejected'] };
  if (tenant.status === 'terminated') return { status: 'down', reasons: ['Terminated'] };
  if (tenant.approval === 'pending') return { status: 'degraded', reasons: ['Waiting for an operator to approve the sign-up'] };

  const findings: { status: TenantHealthStatus; reason: string }[] = [];
  const pending: string[] = [];
  for (const [step, record] of Object.entries(tenant.provisioning)) {
    if (!record) continue;
    if (record.state === 'error') {
      findings.push({ status: ESSENTIAL_STEPS.has(step) ? 'down' : 'degraded', reason: `The ${step} step failed: ${record.error ?? 'no detail'}` });
    }
    if (record.state === 'pending') pending.push(step);
  }
  if (pending.length > 0) findings.push({ status: 'degraded', reason: `Provisioning: ${pending.join(', ')} pending` });

  const workspaceSettled = tenant.provisioning['workspace']?.state === 'ok';
  if (workspaceSettled && workspace === 'missing') findings.push({ status: 'down', reason: 'The workspace container is missing' });
  if (tenant.status === 'sleeping') findings.push({ status: 'healthy', reason: 'Asleep after idling: the next request wakes it' });
  else if (workspaceSettled && workspace === 'stopped') {
    findings.push(tenant.workspaceStopped ? { status: 'stopped', reason: 'The workspace was stopped by an owner' } : { status: 'down', reason: 'The workspace is not running' });
  }

  if (subscription === 'past_due') findings.push({ status: 'degraded', reason: 'Payment is past due' });
  if (subscription === 'canceled') findings.push({ status: 'degraded', reason: 'The subscription is canceled' });

  const status = findings.reduce<TenantHealthStatus>((worst, f) => (SEVERITY[f.status] > SEVERITY[worst] ? f.status : worst), 'healthy');
  return { status, reasons: findings.map((f) => f.reason) };
}
