import { IntegrationError } from '../integration-error';
import type { BackupRepository, SnapshotRetention, VolumeBackup, VolumeManifest, VolumeRestore, WorkspaceRef } from './container-runtime.port';

/**
 * The backup helper: a short-lived container of the backup image (busybox and
 * restic) that mounts a workspace's data volume at /data — read-only, except
 * to restore — and the repository volume at /repo (or reaches S3), runs one
 * operation of the script below, prints what it found as `@@tessera <kind>
 * <payload>` lines, and is removed. Nothing runs on the engine's host and no
 * host path is named: the same on Docker, Podman and a Swarm node.
 *
 * The file list ("manifest") is one line per regular file, `sha256  ./path`
 * (sha256sum's own format), sorted by path in the C locale; its checksum is
 * the sha256 of those lines. Paths are relative to the volume's root, so a
 * volume and a snapshot restored elsewhere compare equal. The folder
 * `.tessera-restore` at the root is the restore's staging area and is never
 * listed.
 *
 * A backup given KEEP_LAST (and KEEP_DAILY) applies that retention right
 * after it, in the same helper (restic forget --prune): a retention that
 * fails is said (`retention-failed`) and does not fail the backup.
 *
 * A restore first restores the snapshot into the staging folder inside the
 * same volume with `--verify` (restic reads every restored file back and
 * checks its content against the snapshot's blobs, and says how many it
 * checked: `verified <files>`), compares its file list with the one recorded
 * at backup time when there is one, and only then replaces the volume's
 * contents with it (renames, in one file system): a snapshot that restic
 * cannot read (a damaged repository), whose restored files do not read back
 * as the snapshot's, or whose files differ from the record replaces nothing.
 */
export const HELPER_SCRIPT = String.raw`
set -u
set -o pipefail
say() { echo "@@tessera $*"; }
fail() { say "error $*"; exit 3; }
last_error() { tail -n 3 /tmp/err 2>/dev/null | tr '\n' ' '; }
manifest() {
  ( cd "$1" && find . -path ./.tessera-restore -prune -o -type f -exec sha256sum {} + ) | LC_ALL=C sort -k2 > /tmp/manifest || return 1
  M=$(sha256sum < /tmp/manifest | cut -d' ' -f1)
  N=$(wc -l < /tmp/manifest | tr -d ' ')
}
repository() {
  restic cat config >/dev/null 2>/tmp/err && return 0
  restic init >/dev/null 2>/tmp/err || fail "the repository could not be opened or created: $(last_error)"
}
S=/data/.tessera-restore
case "$OP" in
backup)
  repository
  manifest /data || fail "the workspace's files could not be read"
  before="$M"; files="$N"
  restic backup --json --no-cache --host tessera --tag "$TAGS" /data > /tmp/out 2>/tmp/err || fail "restic could not back up the volume: $(last_error)"
  manifest /data || fail "the workspace's files could not be read"
  say "manifest $before $files $M"
  say "summary $(grep '"message_type":"summary"' /tmp/out | tail -n 1)"
  if [ -n "$KEEP_LAST" ]; then
    restic forget --no-cache --host tessera --keep-last "$KEEP_LAST" $KEEP_DAILY --prune > /tmp/forgot 2>/tmp/err || say "retention-failed restic could not apply the retention: $(last_error)"
  fi
  say "stats $(restic stats --json --no-cache --mode raw-data 2>/tmp/err || echo null)"
  say "snapshots $(restic snapshots --json --no-cache 2>/tmp/err || echo null)"
  ;;
restore)
  rm -rf "$S" && mkdir "$S" || fail "the volume has no room to stage the restore"
  if ! restic restore "$SNAPSHOT" --no-cache --verify --target "$S" > /tmp/out 2>/tmp/err; then
    rm -rf "$S"
    grep -q '^verifying files in' /tmp/out && fail "restic read the restored files back and they differ from the snapshot (nothing was replaced): $(last_error)"
    fail "restic could not restore the snapshot (nothing was replaced): $(last_error)"
  fi
  verified=$(sed -n 's/^finished verifying \([0-9]*\) files.*/\1/p' /tmp/out)
  [ -n "$verified" ] || { rm -rf "$S"; fail "restic did not say it read the restored files back (nothing was replaced)"; }
  [ -d "$S/data" ] || { rm -rf "$S"; fail "the snapshot holds no workspace data (nothing was replaced)"; }
  manifest "$S/data" || { rm -rf "$S"; fail "the restored files could not be read (nothing was replaced)"; }
  staged="$M"
  if [ -n "$EXPECTED" ] && [ "$staged" != "$EXPECTED" ]; then rm -rf "$S"; fail "the restored files differ from the snapshot's recorded file list (nothing was replaced)"; fi
  find /data -mindepth 1 -maxdepth 1 ! -name .tessera-restore -exec rm -rf {} + || fail "the current files could not be removed"
  for f in "$S/data"/* "$S/data"/.[!.]* "$S/data"/..?*; do
    if [ -e "$f" ] || [ -L "$f" ]; then mv "$f" /data/ || fail "a restored file could not be moved into place"; fi
  done
  # The volume's own folder as in the snapshot (owner, mode): one the helper created (a workspace moved to this node) is root's.
  chown "$(stat -c %u:%g "$S/data")" /data && chmod "$(stat -c %a "$S/data")" /data || fail "the volume's folder could not be given the snapshot's owner"
  rm -rf "$S"
  manifest /data || fail "the restored volume could not be read"
  say "verified $verified"
  say "restored $staged $M $N"
  ;;
manifest)
  manifest /data || fail "the workspace's files could not be read"
  say "manifest $M $N $M"
  cat /tmp/manifest
  ;;
forget)
  repository
  restic forget --no-cache --host tessera --keep-last "$KEEP_LAST" $KEEP_DAILY --prune > /tmp/out 2>/tmp/err || fail "restic could not apply the retention: $(last_error)"
  say "snapshots $(restic snapshots --json --no-cache 2>/tmp/err || echo null)"
  ;;
*)
  fail "unknown operation $OP"
  ;;
esac
`;

/** What the helper printed, read back. */
export interface HelperOutput {
  error: string | null;
  /** Each `@@tessera <kind> <payload>` line by kind (the last of a kind wins). */
  said: Map<string, string>;
  /** Every other line of standard output (the manifest's lines, for `manifest`). */
  lines: string[];
}

export function parseHelperOutput(stdout: string): HelperOutput {
  const said = new Map<string, string>();
  const lines: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^@@tessera (\S+) ?(.*)$/.exec(line);
    if (match) said.set(match[1]!, match[2]!);
    else if (line.length > 0) lines.push(line);
  }
  return { error: said.get('error') ?? null, said, lines };
}

/** `@@tessera manifest <before> <files> <after>`: the file list when it did not change during the backup, else null. */
export function manifestOf(payload: string | undefined): (VolumeManifest & { stable: boolean }) | null {
  const [before, files, after] = (payload ?? '').split(' ');
  if (!before || !/^[0-9a-f]{64}$/.test(before) || !files) return null;
  return { checksum: before, files: Number(files), stable: before === after };
}

export interface ResticSummary {
  snapshot_id?: string;
  data_added?: number;
  total_bytes_processed?: number;
  total_files_processed?: number;
}

export interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  tags?: string[];
}

export function jsonOf<T>(payload: string | undefined): T | null {
  if (!payload) return null;
  try {
    return JSON.parse(payload) as T;
  } catch {
    return null;
  }
}

/** The engine's multiplexed log of a container without a terminal: 8-byte frame headers (stream, size), then the payload. */
export function demultiplex(raw: Buffer): { out: string; err: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const stream = raw[at];
    const size = raw.readUInt32BE(at + 4);
    const payload = raw.subarray(at + 8, at + 8 + size);
    (stream === 2 ? err : out).push(payload);
    at += 8 + size;
  }
  return { out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

/** The helper's environment for a retention: KEEP_LAST (at least 1) and KEEP_DAILY (restic's flag, or nothing). */
export function retentionEnv(retention: SnapshotRetention): Record<string, string> {
  const daily = Math.max(0, Math.floor(retention.keepDaily));
  return { KEEP_LAST: String(Math.max(1, Math.floor(retention.keepLast))), KEEP_DAILY: daily > 0 ? `--keep-daily ${daily}` : '' };
}

/** One run of the helper, as an adapter starts it: its repository (none to list a volume), whether /data is read-only, its extra environment. */
export interface HelperOptions {
  repository: BackupRepository | null;
  readOnly: boolean;
  env: Record<string, string>;
  /** Restore from another tenant's repository (a restore into a new tenant). */
  repositoryOf?: string;
}

/** Runs one operation of the helper on the workspace's volume and answers what it printed (or throws why it failed). */
export type HelperRun = (operation: string, options: HelperOptions) => Promise<HelperOutput>;

/**
 * The helper's environment, and the engine volume to mount at /repo when the
 * repository is one (null for S3, which needs a network instead).
 */
export function helperEnvironment(workspace: WorkspaceRef, operation: string, options: HelperOptions): { env: Record<string, string>; repositoryVolume: string | null; s3: boolean } {
  const { repository } = options;
  const env: Record<string, string> = { OP: operation, ...options.env };
  const s3 = repository?.location.startsWith('s3:') ?? false;
  if (!repository) return { env, repositoryVolume: null, s3 };
  env['RESTIC_PASSWORD'] = repository.password;
  if (s3) {
    env['RESTIC_REPOSITORY'] = `${repository.location.replace(/\/+$/, '')}/${options.repositoryOf ?? workspace.tenantId}`;
    env['AWS_ACCESS_KEY_ID'] = repository.s3?.accessKeyId ?? '';
    env['AWS_SECRET_ACCESS_KEY'] = repository.s3?.secretAccessKey ?? '';
    return { env, repositoryVolume: null, s3 };
  }
  env['RESTIC_REPOSITORY'] = `/repo/${options.repositoryOf ?? workspace.tenantId}`;
  return { env, repositoryVolume: repository.location, s3 };
}

/**
 * What restic's last lines of error mean, in words, for the causes people
 * meet (restic 0.14's messages); null for any other, which is then quoted.
 */
const RESTIC_CAUSES: [RegExp, string][] = [
  [/Unexpected content in|Invalid file size for/i, "some restored files, read back, do not match the snapshot's content (the disk or file system that holds the volume may be failing)"],
  [/wrong password or no key found/i, "the repository's password (BACKUP_PASSWORD) does not open it: it was made with another one"],
  [/ciphertext verification failed|invalid data returned|checksum mismatch|does not match|unexpected EOF|pack .* not found|load\(<(data|index|snapshot)/i, 'the repository is damaged: restic cannot read some of its data back'],
  [/repository is already locked|unable to create lock/i, 'another backup or restore of this workspace holds the repository, try again when it has finished'],
  [/no space left on device/i, 'the disk that holds the repository or the volume is full'],
  [/no matching ID found|no snapshot found|invalid id/i, 'that snapshot is not in the repository'],
  [/connection refused|no such host|i\/o timeout|dial tcp|network is unreachable/i, 'the backup storage cannot be reached'],
  [/access denied|permission denied|forbidden|InvalidAccessKeyId|SignatureDoesNotMatch/i, 'the backup storage refused the credentials or the helper may not write there'],
  [/Is there a repository at the following location|unable to open config file|config file.*(not exist|no such file)/i, 'there is no repository where the settings say (BACKUP_REPOSITORY), or it cannot be read'],
];

/**
 * The helper's reason in words: its own sentence up to restic's quoted
 * lines, and instead of those what they mean when the cause is a known one.
 */
export function explainHelperError(reason: string): string {
  const colon = reason.indexOf(': ');
  const [own, quoted] = colon === -1 ? [reason, reason] : [reason.slice(0, colon), reason.slice(colon + 2)];
  const cause = RESTIC_CAUSES.find(([pattern]) => pattern.test(quoted))?.[1];
  if (!cause) return reason.trim();
  return colon === -1 ? cause : `${own}: ${cause}`;
}

/** What a finished helper printed, read back; throws with its reason when it failed. */
export function helperResult(workspace: WorkspaceRef, operation: string, out: string, err: string, exitCode: number | undefined | null): HelperOutput {
  const output = parseHelperOutput(out);
  if (output.error || exitCode !== 0) {
    const said = explainHelperError(output.error ?? (err.trim().split('\n').slice(-2).join(' ') || `the helper exited with ${exitCode ?? 'no status'}`));
    throw new IntegrationError('backups', 'unavailable', `The ${operation} of ${workspace.slug} failed: ${said}`);
  }
  return output;
}

/** A backup through `run`: the snapshot, its sizes, the file list when it did not change meanwhile, and the retention's result. */
export async function backUpWith(run: HelperRun, repository: BackupRepository, tags: string[], retention?: SnapshotRetention): Promise<VolumeBackup> {
  const env: Record<string, string> = { TAGS: tags.join(','), ...(retention ? retentionEnv(retention) : { KEEP_LAST: '', KEEP_DAILY: '' }) };
  const output = await run('backup', { repository, readOnly: true, env });
  const summary = jsonOf<ResticSummary>(output.said.get('summary'));
  const snapshots = jsonOf<ResticSnapshot[]>(output.said.get('snapshots')) ?? [];
  const short = summary?.snapshot_id;
  const snapshot = short ? snapshots.find((candidate) => candidate.id.startsWith(short)) : undefined;
  if (!summary || !short) throw new IntegrationError('backups', 'unavailable', 'restic finished without saying which snapshot it made: the backup is not counted');
  const manifest = manifestOf(output.said.get('manifest'));
  const stats = jsonOf<{ total_size?: number }>(output.said.get('stats'));
  return {
    snapshotId: snapshot?.id ?? short,
    sizeBytes: summary.total_bytes_processed ?? 0,
    addedBytes: summary.data_added ?? 0,
    repositoryBytes: typeof stats?.total_size === 'number' ? stats.total_size : null,
    manifest: manifest?.stable ? { checksum: manifest.checksum, files: manifest.files } : null,
    snapshots: snapshots.map((candidate) => candidate.id),
    retentionError: output.said.get('retention-failed') ?? null,
  };
}

export async function restoreWith(run: HelperRun, repository: BackupRepository, snapshotId: string, expected: string | null, from?: WorkspaceRef): Promise<VolumeRestore> {
  if (!/^[0-9a-f]{8,64}$/.test(snapshotId)) throw new IntegrationError('backups', 'not_found', 'That is not a snapshot id');
  const output = await run('restore', { repository, readOnly: false, env: { SNAPSHOT: snapshotId, EXPECTED: expected ?? '' }, ...(from ? { repositoryOf: from.tenantId } : {}) });
  const [, checksum, files] = (output.said.get('restored') ?? '').split(' ');
  if (!checksum || !files) throw new IntegrationError('backups', 'unavailable', 'The restore finished without reading the restored volume back');
  const verified = output.said.get('verified');
  return { manifest: { checksum, files: Number(files) }, verifiedFiles: verified && /^[0-9]+$/.test(verified) ? Number(verified) : null };
}

export async function manifestWith(run: HelperRun, limit: number): Promise<VolumeManifest & { lines: string[] }> {
  const output = await run('manifest', { repository: null, readOnly: true, env: {} });
  const manifest = manifestOf(output.said.get('manifest'));
  if (!manifest) throw new IntegrationError('backups', 'unavailable', 'The helper did not list the volume');
  return { checksum: manifest.checksum, files: manifest.files, lines: output.lines.slice(0, limit) };
}

export async function forgetWith(run: HelperRun, repository: BackupRepository, keepLast: number, keepDaily = 0): Promise<string[]> {
  const output = await run('forget', { repository, readOnly: true, env: retentionEnv({ keepLast, keepDaily }) });
  const snapshots = jsonOf<ResticSnapshot[]>(output.said.get('snapshots'));
  if (!snapshots) throw new IntegrationError('backups', 'unavailable', 'restic did not list the snapshots it kept');
  return snapshots.map((snapshot) => snapshot.id);
}
