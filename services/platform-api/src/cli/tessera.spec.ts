import type { ReconcileResult } from '@tessera/contracts';
import { main, parseArgs, parseBackupArgs, render } from './tessera';

describe('the tessera CLI', () => {
  it('reads reconcile --tenant <slug> and reconcile --all, and nothing else', () => {
    expect(parseArgs(['reconcile', '--tenant', 'acme'])).toEqual({ tenant: 'acme' });
    expect(parseArgs(['reconcile', '--all'])).toEqual({ all: true });
    for (const wrong of [[], ['reconcile'], ['reconcile', '--tenant'], ['reconcile', '--tenant', 'A B'], ['reconcile', '--all', 'x'], ['delete', '--all']]) {
      expect(parseArgs(wrong)).toBeNull();
    }
  });

  it('prints one table per tenant with each step, its drift and its error', () => {
    const result: ReconcileResult = {
      slug: 'acme',
      status: 'active',
      ran: true,
      steps: { workspace: { state: 'error', error: 'engine down', drift: [] }, route: { state: 'ok', drift: ['route file missing'] } },
    };
    expect(render([result]).split('\n')).toEqual([
      'acme [active]',
      'step       state  drift healed        error',
      'workspace  error  -                   engine down',
      'route      ok     route file missing',
    ]);
  });

  it('exits 2 with the usage for wrong arguments, and 2 when settings are missing', async () => {
    const out: string[] = [];
    expect(await main(['reconcile'], {}, (text) => out.push(text))).toBe(2);
    expect(out.join()).toContain('usage: tessera reconcile');
    expect(await main(['reconcile', '--all'], {}, (text) => out.push(text))).toBe(2);
    expect(out.join()).toContain('missing TESSERA_API_URL, TESSERA_ISSUER, TESSERA_CLIENT_SECRET');
  });

  it('reads backup, and restore with an optional --backup <name> and --yes, and nothing else', () => {
    expect(parseBackupArgs(['backup'])).toEqual({ command: 'backup' });
    expect(parseBackupArgs(['restore', '--yes'])).toEqual({ command: 'restore', backup: null, yes: true });
    expect(parseBackupArgs(['restore', '--backup', 'platform-2026-12-01T10-00-00-000Z', '--yes'])).toEqual({ command: 'restore', backup: 'platform-2026-12-01T10-00-00-000Z', yes: true });
    expect(parseBackupArgs(['restore'])).toEqual({ command: 'restore', backup: null, yes: false });
    for (const wrong of [['backup', 'now'], ['restore', '--backup'], ['restore', '--backup', 'a/b'], ['restore', '--yes', '--yes'], ['restore', '--force'], ['reconcile', '--all']]) {
      expect(parseBackupArgs(wrong)).toBeNull();
    }
  });

  it('refuses a restore without --yes before it connects anywhere, and a backup without MONGODB_URI', async () => {
    const out: string[] = [];
    expect(await main(['restore'], {}, (text) => out.push(text))).toBe(2);
    expect(out.join()).toContain('run it again with --yes');
    expect(await main(['backup'], {}, (text) => out.push(text))).toBe(2);
    expect(out.join()).toContain('missing MONGODB_URI');
  });
});
