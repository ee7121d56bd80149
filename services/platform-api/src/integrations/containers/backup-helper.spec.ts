import { manifestOf, parseHelperOutput } from './backup-helper';

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
});
