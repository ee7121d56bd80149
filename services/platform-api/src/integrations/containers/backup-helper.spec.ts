import { explainHelperError, manifestOf, parseHelperOutput } from './backup-helper';

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
});
