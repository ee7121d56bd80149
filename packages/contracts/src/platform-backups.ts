/** One run of the platform database backup, as operators read it. */
export interface PlatformBackupRun {
  id: string;
  /** `schedule`: the API's own schedule (PLATFORM_BACKUP_INTERVAL_HOURS); `operator`: started from the console or the API. */
  trigger: 'schedule' | 'operator';
  result: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The backup's name (`platform-<time>`), for `pnpm tessera restore --backup <name> --yes`; null when it failed. */
  name: string | null;
  /** The archive's size on disk; null when it failed. */
  sizeBytes: number | null;
  collections: number | null;
  documents: number | null;
  /** Why it failed, in a sentence; null when it worked. */
  error: string | null;
  /** The operator who started it (name or email); null for the schedule. */
  startedBy: string | null;
}

/** GET /system/platform-backups: the runs, newest first, and the schedule. */
export interface PlatformBackupOverview {
  schedule: {
    /** Every how many hours a backup is taken; 0: no schedule (run `pnpm tessera backup` from cron instead). */
    intervalHours: number;
    /** When the next scheduled backup is due (it runs within a few minutes of it); null without a schedule. */
    nextDueAt: string | null;
    /** How many backups are kept. */
    keep: number;
  };
  runs: PlatformBackupRun[];
  total: number;
  page: number;
  pageSize: number;
}
