#!/usr/bin/env node
/**
 * `tessera reconcile --tenant <slug>` or `tessera reconcile --all`: for CI.
 * Gets a token by client_credentials from the configured issuer, calls the
 * API, prints a table per tenant, and exits 1 when any step is in error
 * (2 when it could not ask at all).
 */
import type { ReconcileResult } from '@tessera/contracts';

interface CliEnv {
  apiUrl: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

const USAGE = `usage: tessera reconcile (--tenant <slug> | --all)

environment:
  TESSERA_API_URL        platform-api, e.g. https://api.example.com
  TESSERA_ISSUER         the CI application's issuer, e.g. https://id.example.com/application/o/ci/
  TESSERA_CLIENT_ID      the CI client id (default tessera-ci)
  TESSERA_CLIENT_SECRET  its secret`;

export function parseArgs(argv: string[]): { tenant: string } | { all: true } | null {
  const [command, flag, value, ...rest] = argv;
  if (command !== 'reconcile' || rest.length > 0) return null;
  if (flag === '--all' && value === undefined) return { all: true };
  if (flag === '--tenant' && value && /^[a-z0-9-]{3,32}$/.test(value)) return { tenant: value };
  return null;
}

function envOf(env: NodeJS.ProcessEnv): CliEnv {
  const missing = ['TESSERA_API_URL', 'TESSERA_ISSUER', 'TESSERA_CLIENT_SECRET'].filter((name) => !env[name]);
  if (missing.length > 0) throw new CliError(`missing ${missing.join(', ')}\n\n${USAGE}`);
  return {
    apiUrl: env['TESSERA_API_URL']!.replace(/\/$/, ''),
    issuer: env['TESSERA_ISSUER']!.endsWith('/') ? env['TESSERA_ISSUER']! : `${env['TESSERA_ISSUER']}/`,
    clientId: env['TESSERA_CLIENT_ID'] ?? 'tessera-ci',
    clientSecret: env['TESSERA_CLIENT_SECRET']!,
  };
}

class CliError extends Error {}

async function machineToken(env: CliEnv): Promise<string> {
  const discovery = await fetch(`${env.issuer}.well-known/openid-configuration`);
  if (!discovery.ok) throw new CliError(`the issuer answered ${discovery.status} to discovery`);
  const { token_endpoint } = (await discovery.json()) as { token_endpoint: string };
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(env.clientId)}:${encodeURIComponent(env.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) throw new CliError(`client_credentials failed: ${response.status} ${body.error ?? ''}`);
  return body.access_token;
}

/** One table per tenant: step, state, drift healed, error. */
export function render(results: ReconcileResult[]): string {
  return results
    .map((result) => {
      const rows = Object.entries(result.steps).map(([step, s]) => [step, s.state, s.drift.join('; ') || '-', s.error ?? '']);
      const widths = [0, 1, 2].map((i) => Math.max(...[['step', 'state', 'drift healed'][i]!.length, ...rows.map((r) => r[i]!.length)]));
      const line = (cells: string[]) => cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
      const note = result.ran ? '' : ' (another reconcile was running; states as last stored)';
      return [`${result.slug} [${result.status}]${note}`, line(['step', 'state', 'drift healed', 'error']), ...rows.map(line)].join('\n');
    })
    .join('\n\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  const target = parseArgs(argv);
  if (!target) {
    out(USAGE);
    return 2;
  }
  try {
    const config = envOf(env);
    const token = await machineToken(config);
    const path = 'all' in target ? '/reconcile' : `/tenants/${target.tenant}/reconcile`;
    const response = await fetch(`${config.apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as ReconcileResult | { results: ReconcileResult[] } | { message?: string };
    if (!response.ok) throw new CliError(`the API answered ${response.status}: ${(body as { message?: string }).message ?? ''}`);
    const results = 'results' in body ? body.results : [body as ReconcileResult];
    out(render(results));
    const failing = results.filter((r) => Object.values(r.steps).some((s) => s.state === 'error'));
    out(`\n${results.length} tenant(s) reconciled, ${failing.length} with a step in error`);
    return failing.length > 0 ? 1 : 0;
  } catch (error: unknown) {
    out(`tessera: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env, (text) => process.stdout.write(`${text}\n`)).then((code) => process.exit(code));
}
