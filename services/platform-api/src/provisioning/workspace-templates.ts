import type { Plan } from '@tessera/contracts';

/** Resources of a tenant's workspace container, by plan. */
export const WORKSPACE_LIMITS: Record<Plan, { cpus: number; memoryMb: number; pids: number }> = {
  free: { cpus: 0.25, memoryMb: 64, pids: 64 },
  starter: { cpus: 0.5, memoryMb: 128, pids: 128 },
  business: { cpus: 1, memoryMb: 256, pids: 256 },
  enterprise: { cpus: 2, memoryMb: 512, pids: 512 },
};

/** The unprivileged user workspaces run as (nobody:nogroup). */
export const WORKSPACE_USER = '65534:65534';
