import type { RestoreDrill } from '@tessera/contracts';

/**
 * How a restore was proven, as a sentence people read (portal and console):
 * restic read the restored files back against the snapshot, and the file
 * list recorded with the backup, when there is one, matched.
 */
export function restoreProof(drill: RestoreDrill | null): string {
  if (!drill) return 'It was not checked.';
  if (drill.passed === false) return 'The restored file list differs from the one recorded with the backup.';
  const read =
    drill.files === 0
      ? 'restic checked the restored volume against the snapshot, and both hold no files'
      : drill.files === 1
        ? 'restic read the one restored file back and it matches the snapshot'
        : `restic read ${drill.files === null ? 'the restored files' : `all ${drill.files} restored files`} back and they match the snapshot`;
  if (drill.verifiedAgainstSnapshot && drill.expectedChecksum) return `Proven: ${read}, and the file list matches the one recorded with the backup.`;
  if (drill.verifiedAgainstSnapshot) return `Proven: ${read}. (Files changed while the backup ran, so no file list was recorded to compare with as well.)`;
  if (drill.passed) return `Checked: ${drill.files === null ? 'the files' : `all ${drill.files} files`} match the file list recorded with the backup.`;
  return 'Not checked: no file list was recorded with the backup to compare with.';
}
