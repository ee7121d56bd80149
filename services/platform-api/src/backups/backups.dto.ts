import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import type { BackupRestoreRecord, TenantBackup as TenantBackupShape } from '@tessera/contracts';
import { Equals, IsOptional, IsString, Length } from 'class-validator';
import { HasText } from '../common/http/has-text';
import { CreateTenantDto } from '../tenants/tenant.dto';
import type { BackupActorRecord, BackupRecord, BackupRestoreRow } from './backup.schema';

/** An on-demand backup: an optional note for the audit trail. */
export class CreateBackupDto {
  @ApiPropertyOptional({ example: 'Before importing last year’s files' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @HasText()
  reason?: string;
}

/** A restore into the same workspace replaces its data: the caller says so in the body. */
export class RestoreBackupDto {
  @ApiProperty({ example: true, description: 'Must be true: the workspace’s current data is replaced (a backup of it is taken first)' })
  @Equals(true, { message: 'replaceCurrentData must be true: restoring replaces the workspace’s current data (a backup of it is taken first)' })
  replaceCurrentData: boolean;

  @ApiPropertyOptional({ example: 'The owner deleted the wrong folder' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @HasText()
  reason?: string;
}

/** A restore into a new tenant: its slug and name (plan and partner are the source tenant's). */
export class RestoreIntoNewTenantDto extends PickType(CreateTenantDto, ['slug', 'name'] as const) {
  @ApiPropertyOptional({ example: 'Recovering data after a terminate' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @HasText()
  reason?: string;
}

/** Bytes in words people read: 1.4 MB. */
export function describeBytes(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const who = (by: BackupActorRecord, people: Map<string, string>) => ({ kind: by.kind, name: by.userId ? (people.get(by.userId) ?? null) : null });

export function mapRestore(restore: BackupRestoreRow, people: Map<string, string>): BackupRestoreRecord {
  return {
    at: restore.at.toISOString(),
    into: { id: restore.intoTenantId, slug: restore.intoSlug },
    result: restore.result,
    safetyBackupId: restore.safetyBackupId,
    // Restores recorded before restic verified them carry no verifiedAgainstSnapshot: they were not.
    drill: restore.drill ? { ...restore.drill, verifiedAgainstSnapshot: restore.drill.verifiedAgainstSnapshot === true } : null,
    error: restore.error,
    by: who(restore.by, people),
  };
}

export function mapBackup(record: BackupRecord, people: Map<string, string>): TenantBackupShape {
  return {
    id: record.id,
    tenantId: record.tenantId,
    trigger: record.trigger,
    result: record.result,
    startedAt: record.startedAt.toISOString(),
    finishedAt: record.finishedAt ? record.finishedAt.toISOString() : null,
    durationMs: record.durationMs,
    sizeBytes: record.sizeBytes,
    addedBytes: record.addedBytes,
    snapshotId: record.snapshotId,
    fileListChecksum: record.fileListChecksum,
    files: record.files,
    error: record.error,
    prunedAt: record.prunedAt ? record.prunedAt.toISOString() : null,
    requestedBy: who(record.requestedBy, people),
    restores: record.restores.map((restore) => mapRestore(restore, people)),
  };
}
