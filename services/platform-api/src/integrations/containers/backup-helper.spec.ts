import type { BackupRepository } from './container-runtime.port';
import { explainHelperError, manifestOf, parseHelperOutput, restoreWith, type HelperOptions } from './backup-helper';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('the backup helper output', () => {
  it('reads the @@tessera lines by kind and keeps the other lines apart', () => {
    const output = parseHelperOutput(`@@tessera manifest ${A} 2 ${A}\n${A}  ./one\n${B}  ./two\n@@tessera summary {"snapshot_id":"1234abcd"}\n`);
    expect(output.error).toBeNull();
    expect(output.said.get('summary')).toBe('{"snapshot_id":"1234abcd"}');
    expect(output.lines).toEqual([`${A}  ./one`, `${B}  ./two`]);
  });

  it('reports the error the helper said', () => {
    expect(parseHelperOutput('@@tessera error restic could not restore the snapshot (nothing was replaced)\n').error).toBe('restic could not restore the snapshot (nothing was replaced)');
  });

  it('takes a file list as stable only when it did not change while restic read the volume', () => {
    expect(manifestOf(`${A} 3 ${A}`)).toEqual({ checksum: A, files: 3, stable: true });
    expect(manifestOf(`${A} 3 ${B}`)).toEqual({ checksum: A, files: 3, stable: false });
    expect(manifestOf('not a checksum 3')).toBeNull();
    expect(manifestOf(undefined)).toBeNull();
  });

  it("says what restic's known failures mean instead of quoting them, and quotes the ones it does not know", () => {
    expect(explainHelperError('restic could not restore the snapshot (nothing was replaced): Fatal: wrong password or no key found ')).toBe(
      "restic could not restore the snapshot (nothing was replaced): the repository's password (BACKUP_PASSWORD) does not open it: it was made with another one",
    );
    expect(explainHelperError('the repository could not be opened or created: Fatal: unable to open config file: Stat: stat /repo/x/config: no such file or directory Is there a repository at the following location? /repo/x ')).toBe(
      'the repository could not be opened or created: there is no repository where the settings say (BACKUP_REPOSITORY), or it cannot be read',
    );
    expect(explainHelperError('restic could not back up the volume: Load(<data/1a2b3c4d>, 0, 0) returned error, retrying after 552ms: ciphertext verification failed')).toBe(
      'restic could not back up the volume: the repository is damaged: restic cannot read some of its data back',
    );
    expect(explainHelperError('restic could not back up the volume: something new went wrong')).toBe('restic could not back up the volume: something new went wrong');
  });

  it("says in words that restored files did not read back as the snapshot's (restic 0.14's restore --verify errors)", () => {
    const own = 'restic read the restored files back and they differ from the snapshot (nothing was replaced)';
    const damaged = `${own}: ignoring error for /data/.tessera-restore/data/docs/a.txt: Unexpected content in /data/.tessera-restore/data/docs/a.txt, starting at offset 0 Fatal: There were 1 errors `;
    expect(explainHelperError(damaged)).toBe(`${own}: some restored files, read back, do not match the snapshot's content (the disk or file system that holds the volume may be failing)`);
    const shortened = `${own}: ignoring error for /data/.tessera-restore/data/b: Invalid file size for /data/.tessera-restore/data/b: expected 300000, got 4096 Fatal: There were 1 errors `;
    expect(explainHelperError(shortened)).toMatch(/nothing was replaced\): some restored files, read back, do not match the snapshot's content/);
  });
});

describe('a restore through the helper', () => {
  const repository: BackupRepository = { location: 'tessera-backups', password: 'secret', s3: null, image: 'backup' };
  const helper = (stdout: string) => {
    const runs: { operation: string; options: HelperOptions }[] = [];
    const run = (operation: string, options: HelperOptions) => {
      runs.push({ operation, options });
      return Promise.resolve(parseHelperOutput(stdout));
    };
    return { run, runs };
  };

  it("answers the restored file list and how many files restic verified against the snapshot", async () => {
    const { run, runs } = helper(`@@tessera verified 3\n@@tessera restored ${A} ${A} 3\n`);
    expect(await restoreWith(run, repository, B, null)).toEqual({ manifest: { checksum: A, files: 3 }, verifiedFiles: 3 });
    expect(runs).toEqual([{ operation: 'restore', options: { repository, readOnly: false, env: { SNAPSHOT: B, EXPECTED: '' } } }]);
  });

  it('answers no verified files when the helper did not say restic verified them', async () => {
    const { run } = helper(`@@tessera restored ${A} ${A} 3\n`);
    expect((await restoreWith(run, repository, B, A)).verifiedFiles).toBeNull();
  });

  it('refuses a snapshot id that is not one, without running the helper', async () => {
    const { run, runs } = helper('');
    await expect(restoreWith(run, repository, 'latest; rm -rf /', null)).rejects.toThrow('That is not a snapshot id');
    expect(runs).toEqual([]);
  });
});
