#!/usr/bin/env node
/**
 * `tessera reconcile --tenant <slug>` or `tessera reconcile --all`: for CI.
 * Gets a token by client_credentials from the configured issuer, calls the
 * API, prints a table per tenant, and exits 1 when any step is in error
 * (2 when it could not ask at all).
 */
import type { ReconcileResult } from '@tessera/contracts';
import { MongoClient } from 'mongodb';
import { PlatformDatabaseRepository } from '../platform-backup/platform-backup.repository';
import { BackupRefused, PlatformBackupService, type BackupSettings } from '../platform-backup/platform-backup.service';

interface CliEnv {
  apiUrl: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
}

const USAGE = `usage: tessera reconcile (--tenant <slug> | --all)
       tessera backup
       tessera restore [--backup <name>] --yes

environment:
  TESSERA_API_URL        platform-api, e.g. https://api.example.com
  TESSERA_ISSUER         the CI application's issuer, e.g. https://id.example.com/application/o/ci/
  TESSERA_CLIENT_ID      the CI client id (default tessera-ci)
  TESSERA_CLIENT_SECRET  its secret
  MONGODB_URI            backup, restore: the platform database
  PLATFORM_BACKUP_DIR    backup, restore: where backups go (default .data/backups/platform)
  PLATFORM_BACKUP_KEEP   backup: how many are kept (default 14)`;

export type BackupCommand = { command: 'backup' } | { command: 'restore'; backup: string | null; yes: boolean };

/** `backup`, or `restore [--backup <name>] [--yes]` (a restore without --yes is parsed, and refused when run). */
export function parseBackupArgs(argv: string[]): BackupCommand | null {
  const [command, ...rest] = argv;
  if (command === 'backup') return rest.length === 0 ? { command: 'backup' } : null;
  if (command !== 'restore') return null;
  let backup: string | null = null;
  let yes = false;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--yes' && !yes) yes = true;
    else if (flag === '--backup' && backup === null && /^[\w.-]{1,200}$/.test(rest[i + 1] ?? '')) backup = rest[++i]!;
    else return null;
  }
  return { command: 'restore', backup, yes };
}

/** The backup settings from the environment: MONGODB_URI is required. */
export function backupEnvOf(env: NodeJS.ProcessEnv): { uri: string } & BackupSettings {
  const uri = env['MONGODB_URI']?.trim();
  if (!uri) throw new CliError(`missing MONGODB_URI\n\n${USAGE}`);
  const keep = Number(env['PLATFORM_BACKUP_KEEP']?.trim() || '14');
  if (!Number.isInteger(keep) || keep < 1 || keep > 1_000) throw new CliError('PLATFORM_BACKUP_KEEP must be a whole number from 1 to 1000');
  return { uri, dir: env['PLATFORM_BACKUP_DIR']?.trim() || '.data/backups/platform', keep };
}

async function runBackupCommand(command: BackupCommand, env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<number> {
  if (command.command === 'restore' && !command.yes) {
    out('tessera: a restore replaces the platform database (each collection in the backup is dropped and restored); stop platform-api, then run it again with --yes');
    return 2;
  }
  const settings = backupEnvOf(env);
  const client = await new MongoClient(settings.uri, { serverSelectionTimeoutMS: 10_000 }).connect();
  try {
    const service = new PlatformBackupService(new PlatformDatabaseRepository(client.db()), settings, () => new Date());
    if (command.command === 'backup') {
      const m = await service.backup('command');
      const documents = m.collections.reduce((sum, c) => sum + c.documents, 0);
      out(`backup ${m.name}: ${m.collections.length} collections, ${documents} documents, ${m.sizeBytes} bytes in ${m.durationMs} ms\n  ${settings.dir}/${m.archive}\n  sha256 ${m.sha256}`);
      return 0;
    }
    const result = await service.restore(command.backup, { confirmed: true });
    out(`restored ${result.manifest.name} (${result.manifest.createdAt}): ${result.collections} collections, ${result.documents} documents\n  the database as it was before is in the backup ${result.safetyBackup}`);
    return 0;
  } catch (error: unknown) {
    if (error instanceof BackupRefused) {
      out(`tessera: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await client.close();
  }
}

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
  const backupCommand = parseBackupArgs(argv);
  if (backupCommand) {
    try {
      return await runBackupCommand(backupCommand, env, out);
    } catch (error: unknown) {
      out(`tessera: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
  }
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
