import type { ProvisioningState } from '@tessera/contracts';
import { tenantHealth, type HealthInputs } from './tenant-health';
import type { StepRecord } from './tenant.schema';

const at = new Date('2026-11-01T00:00:00Z');
function steps(states: Partial<Record<string, ProvisioningState>> = {}, errors: Record<string, string> = {}): Record<string, StepRecord> {
  const all = { identity: 'ok', workspace: 'ok', route: 'ok', mail: 'skipped', files: 'skipped', ...states } as Record<string, ProvisioningState>;
  return Object.fromEntries(Object.entries(all).map(([step, state]) => [step, { state, attempts: 1, updatedAt: at, ...(errors[step] ? { error: errors[step] } : {}) }]));
}
function health(overrides: Partial<HealthInputs['tenant']> & { subscription?: HealthInputs['subscription']; workspace?: HealthInputs['workspace'] } = {}) {
  const { subscription = 'active', workspace = 'running', ...tenant } = overrides;
  return tenantHealth({ tenant: { status: 'active', provisioning: steps(), workspaceStopped: false, ...tenant }, subscription, workspace });
}

describe('tenantHealth', () => {
  it('is healthy with every step settled, the workspace running and the subscription in order', () => {
    expect(health()).toEqual({ status: 'healthy', reasons: [] });
    expect(health({ subscription: 'trialing' }).status).toBe('healthy');
  });

  it('is suspended for a suspended tenant, whatever else is wrong', () => {
    expect(health({ status: 'suspended', workspace: 'stopped', subscription: 'past_due' })).toEqual({ status: 'suspended', reasons: ['Suspended by an operator'] });
  });

  it('is down when an essential step failed, naming the step and its error', () => {
    expect(health({ provisioning: steps({ route: 'error' }, { route: 'disk full' }) })).toEqual({ status: 'down', reasons: ['The route step failed: disk full'] });
  });

  it('is only degraded when an optional step failed', () => {
    expect(health({ provisioning: steps({ mail: 'error' }, { mail: 'Stalwart answered 503' }) })).toEqual({
      status: 'degraded',
      reasons: ['The mail step failed: Stalwart answered 503'],
    });
  });

  it('is down when the workspace is missing or stopped on its own, stopped (not down) when an owner stopped it', () => {
    expect(health({ workspace: 'missing' })).toEqual({ status: 'down', reasons: ['The workspace container is missing'] });
    expect(health({ workspace: 'stopped' }).status).toBe('down');
    expect(health({ workspace: 'stopped', workspaceStopped: true })).toEqual({ status: 'stopped', reasons: ['The workspace was stopped by an owner'] });
  });

  it('is healthy while asleep after idling, saying the next request wakes it', () => {
    expect(health({ status: 'sleeping', workspace: 'stopped' })).toEqual({ status: 'healthy', reasons: ['Asleep after idling: the next request wakes it'] });
  });

  it('makes no claim about a workspace the engine could not be asked about', () => {
    expect(health({ workspace: 'unknown' }).status).toBe('healthy');
  });

  it('is degraded while provisioning is pending, without calling a container not yet created missing', () => {
    expect(health({ provisioning: steps({ workspace: 'pending', route: 'pending' }), workspace: 'missing' })).toEqual({
      status: 'degraded',
      reasons: ['Provisioning: workspace, route pending'],
    });
  });

  it('is degraded by billing trouble, and lists every reason with the worst status', () => {
    expect(health({ subscription: 'past_due' })).toEqual({ status: 'degraded', reasons: ['Payment is past due'] });
    expect(health({ subscription: 'past_due', workspace: 'missing' })).toEqual({
      status: 'down',
      reasons: ['The workspace container is missing', 'Payment is past due'],
    });
  });

  it('is degraded while a sign-up waits for approval, and down once it was rejected', () => {
    expect(health({ approval: 'pending', provisioning: steps({ identity: 'pending', workspace: 'pending', route: 'pending' }), workspace: 'missing' })).toEqual({
      status: 'degraded',
      reasons: ['Waiting for an operator to approve the sign-up'],
    });
    expect(health({ approval: 'rejected', status: 'terminated' })).toEqual({ status: 'down', reasons: ['The sign-up was rejected'] });
    expect(health({ approval: 'approved' }).status).toBe('healthy');
  });
});
