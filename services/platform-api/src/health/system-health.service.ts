import { Injectable } from '@nestjs/common';
import type { ProbeResult, SystemHealth } from '@tessera/contracts';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DatabaseProbe } from '../database/database.probe';
import { ContainerRuntime } from '../integrations/containers/container-runtime.port';
import { EdgeRouter } from '../integrations/edge/edge-router.port';
import { FileSpaces } from '../integrations/files/file-spaces.port';
import { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import { IntegrationDisabled } from '../integrations/integration-error';
import { MailDomains } from '../integrations/mail/mail-domains.port';

const PROBE_TIMEOUT_MS = 2_000;

interface Probe {
  name: string;
  check: () => Promise<unknown>;
}

/**
 * The platform's dependencies, each probed with a time limit, with its
 * measured latency and the last error it saw. `database` and the identity
 * provider down make the platform down; anything else down makes it degraded.
 */
@Injectable()
export class SystemHealthService {
  private readonly lastErrors = new Map<string, { message: string; at: string }>();

  constructor(
    private readonly database: DatabaseProbe,
    private readonly config: AppConfig,
    private readonly identity: IdentityDirectory,
    private readonly engine: ContainerRuntime,
    private readonly edge: EdgeRouter,
    private readonly mail: MailDomains,
    private readonly files: FileSpaces,
    private readonly clock: Clock,
  ) {}

  async check(): Promise<SystemHealth> {
    const probes: Probe[] = [
      { name: 'database', check: () => this.database.ping() },
      { name: 'identity-discovery', check: () => this.discovery() },
      { name: 'identity-admin', check: () => this.identity.ping() },
      { name: 'container-engine', check: () => this.engine.ping() },
      { name: 'edge', check: () => this.edge.ping() },
      { name: 'mail', check: () => this.mail.ping() },
      { name: 'files', check: () => this.files.ping() },
    ];
    const results = await Promise.all(probes.map((probe) => this.run(probe)));
    const down = results.filter((r) => r.status === 'down').map((r) => r.name);
    const status = down.some((name) => name === 'database' || name.startsWith('identity')) ? 'down' : down.length > 0 ? 'degraded' : 'up';
    return { status, checkedAt: this.clock.now().toISOString(), probes: results };
  }

  /** Every trusted issuer answers its discovery document. */
  private async discovery(): Promise<void> {
    await Promise.all(
      this.config.auth.issuers.map(async ({ issuer }) => {
        const url = `${issuer.endsWith('/') ? issuer : `${issuer}/`}.well-known/openid-configuration`;
        const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      }),
    );
  }

  private async run(probe: Probe): Promise<ProbeResult> {
    const last = () => this.lastErrors.get(probe.name) ?? null;
    const started = this.clock.monotonic();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.check(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
      ]);
      return { name: probe.name, status: 'up', latencyMs: Math.round(this.clock.monotonic() - started), lastError: last()?.message ?? null, lastErrorAt: last()?.at ?? null };
    } catch (error: unknown) {
      // Not configured: a Disabled… adapter says so, and there is nothing to probe.
      if (error instanceof IntegrationDisabled) return { name: probe.name, status: 'skipped', latencyMs: null, lastError: null, lastErrorAt: null, reason: error.reason };
      this.lastErrors.set(probe.name, { message: error instanceof Error ? error.message : String(error), at: this.clock.now().toISOString() });
      return { name: probe.name, status: 'down', latencyMs: Math.round(this.clock.monotonic() - started), lastError: last()?.message ?? null, lastErrorAt: last()?.at ?? null };
    } finally {
      clearTimeout(timer);
    }
  }
}
