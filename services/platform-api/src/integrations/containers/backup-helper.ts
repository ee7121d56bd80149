import type { VolumeManifest } from './container-runtime.port';

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
 * same volume, compares its file list with the one recorded at backup time,
 * and only then replaces the volume's contents with it (renames, in one
 * file system): a snapshot that restic cannot read (a damaged repository) or
 * whose files differ from the record replaces nothing.
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
  restic restore "$SNAPSHOT" --no-cache --target "$S" > /tmp/out 2>/tmp/err || { rm -rf "$S"; fail "restic could not restore the snapshot (nothing was replaced): $(last_error)"; }
  [ -d "$S/data" ] || { rm -rf "$S"; fail "the snapshot holds no workspace data (nothing was replaced)"; }
  manifest "$S/data" || { rm -rf "$S"; fail "the restored files could not be read (nothing was replaced)"; }
  staged="$M"
  if [ -n "$EXPECTED" ] && [ "$staged" != "$EXPECTED" ]; then rm -rf "$S"; fail "the restored files differ from the snapshot's recorded file list (nothing was replaced)"; fi
  find /data -mindepth 1 -maxdepth 1 ! -name .tessera-restore -exec rm -rf {} + || fail "the current files could not be removed"
  for f in "$S/data"/* "$S/data"/.[!.]* "$S/data"/..?*; do
    if [ -e "$f" ] || [ -L "$f" ]; then mv "$f" /data/ || fail "a restored file could not be moved into place"; fi
  done
  rm -rf "$S"
  manifest /data || fail "the restored volume could not be read"
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
