import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ferretdb';

/** Debian's dnsmasq (package dnsmasq-base), which scripts/lib.sh installs. */
function dnsmasqBinary(): string {
  for (const candidate of [process.env['DNSMASQ_BIN'], '/usr/sbin/dnsmasq', 'dnsmasq']) {
    if (candidate && spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  throw new Error('No dnsmasq: scripts/test.sh installs Debian\'s dnsmasq-base (ensure_dnsmasq in scripts/lib.sh)');
}

/**
 * A real DNS server for tests: dnsmasq on a loopback port, answering for the
 * zones it is given (anything else in them: no such name) and holding the
 * TXT records a test publishes. dnsmasq reads its records at start, so a
 * change restarts it on the same port: a few milliseconds.
 */
export class DnsServer {
  private readonly records = new Map<string, string[]>();
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly zones: string[],
    private readonly dir: string,
  ) {}

  /** `zones`: the domains it answers for with authority, e.g. ['test', 'example']. */
  static async start(zones: string[]): Promise<DnsServer> {
    const server = new DnsServer(await freePort(), zones, mkdtempSync(join(tmpdir(), 'tessera-dns-')));
    await server.restart();
    return server;
  }

  /** What platform-api's DNS_RESOLVERS says to ask this server. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Publishes (adds) a TXT record. */
  async publishTxt(name: string, value: string): Promise<void> {
    this.records.set(name, [...(this.records.get(name) ?? []), value]);
    await this.restart();
  }

  async removeTxt(name: string): Promise<void> {
    this.records.delete(name);
    await this.restart();
  }

  /** Takes the server down: lookups then time out, as when DNS is unreachable. */
  async pause(): Promise<void> {
    await this.kill();
  }

  async resume(): Promise<void> {
    await this.restart();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async restart(): Promise<void> {
    await this.kill();
    const lines = [
      `port=${this.port}`,
      'listen-address=127.0.0.1',
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      'no-poll',
      ...this.zones.map((zone) => `local=/${zone}/`),
      ...[...this.records].flatMap(([name, values]) => values.map((value) => `txt-record=${name},"${value}"`)),
    ];
    const config = join(this.dir, 'dnsmasq.conf');
    writeFileSync(config, `${lines.join('\n')}\n`);
    const child = spawn(dnsmasqBinary(), ['--keep-in-foreground', `--conf-file=${config}`, '--pid-file=', '--user=root'], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.child = child;
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([this.address]);
    for (const deadline = Date.now() + 10_000; ; ) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited with code ${child.exitCode}`);
      // Any answer from the server, even "no such name", means it is serving.
      const answered = await resolver.resolveTxt(`ready.${this.zones[0] ?? 'test'}`).then(
        () => true,
        (error: { code?: string }) => error.code === 'ENOTFOUND' || error.code === 'ENODATA',
      );
      if (answered) return;
      if (Date.now() > deadline) throw new Error('dnsmasq did not answer');
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  private async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
}
