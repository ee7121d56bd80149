import { restoreDrill } from './backups.service';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('the restore drill', () => {
  it('passes when the restored file list equals the recorded one, and says restic verified the content', () => {
    expect(restoreDrill(A, { manifest: { checksum: A, files: 3 }, verifiedFiles: 3 })).toEqual({ expectedChecksum: A, actualChecksum: A, files: 3, verifiedAgainstSnapshot: true, passed: true });
  });

  it('fails when the restored file list differs from the recorded one, verified or not', () => {
    expect(restoreDrill(A, { manifest: { checksum: B, files: 3 }, verifiedFiles: 3 })).toMatchObject({ verifiedAgainstSnapshot: true, passed: false });
  });

  it('passes on restic reading the files back against the snapshot when no file list was recorded (files changed during the backup)', () => {
    expect(restoreDrill(null, { manifest: { checksum: B, files: 2 }, verifiedFiles: 2 })).toEqual({ expectedChecksum: null, actualChecksum: B, files: 2, verifiedAgainstSnapshot: true, passed: true });
  });

  it('proves nothing without a recorded file list when restic did not say it verified the files', () => {
    expect(restoreDrill(null, { manifest: { checksum: B, files: 2 }, verifiedFiles: null })).toMatchObject({ verifiedAgainstSnapshot: false, passed: null });
  });
});
