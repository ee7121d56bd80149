import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, listening } from './ferretdb';
import { until } from './until';

/** A message as Mailpit's list answers it (/api/v1/messages). */
export interface MailpitMessage {
  ID: string;
  Subject: string;
  From: { Name: string; Address: string };
  To: { Name: string; Address: string }[];
  Snippet: string;
}

/** One message in full (/api/v1/message/<id>). */
export interface MailpitMessageDetail extends MailpitMessage {
  Text: string;
  HTML: string;
}

export interface RunningMailpit {
  /** Where SMTP is served, as an smtp:// URL (no TLS, no authentication). */
  smtpUrl: string;
  smtpPort: number;
  /** The JSON API's origin. */
  apiUrl: string;
  /** Every message received, newest first. */
  messages(): Promise<MailpitMessage[]>;
  /** One message in full, with its text and HTML. */
  message(id: string): Promise<MailpitMessageDetail>;
  /** Waits (through `until`) until a message to `address` whose subject matches has arrived, and answers it. */
  waitFor(address: string, subject?: RegExp): Promise<MailpitMessageDetail>;
  /** Removes every message. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Mailpit (MAILPIT_BIN, built by scripts/lib.sh's ensure_mailpit) on free
 * loopback ports with a database of its own: the real SMTP server the
 * notification tests send to, read back through its JSON API.
 */
export async function startMailpit(binary = process.env['MAILPIT_BIN']): Promise<RunningMailpit> {
  if (!binary) throw new Error('MAILPIT_BIN is not set: run scripts/lib.sh ensure_mailpit');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mailpit-'));
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  const child = spawn(
    binary,
    ['--listen', `127.0.0.1:${httpPort}`, '--smtp', `127.0.0.1:${smtpPort}`, '--database', join(dir, 'mailpit.db'), '--disable-version-check', '--quiet'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until('Mailpit listens', async () => {
    if (child.exitCode !== null) throw new Error(`Mailpit exited with code ${child.exitCode}`);
    return (await listening(httpPort)) && (await listening(smtpPort));
  }, { intervalMs: 50 });
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, init);
    if (!response.ok) throw new Error(`Mailpit answered ${response.status} to ${path}`);
    return (response.headers.get('content-type') ?? '').includes('json') ? ((await response.json()) as T) : (undefined as T);
  };
  const messages = async () => (await api<{ messages: MailpitMessage[] }>('/api/v1/messages?limit=500')).messages;
  const message = (id: string) => api<MailpitMessageDetail>(`/api/v1/message/${id}`);
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    smtpPort,
    apiUrl,
    messages,
    message,
    waitFor: async (address, subject) => {
      let found: MailpitMessage | undefined;
      await until(`a message to ${address}${subject ? ` matching ${subject}` : ''}`, async () => {
        found = (await messages()).find((m) => m.To.some((to) => to.Address.toLowerCase() === address.toLowerCase()) && (!subject || subject.test(m.Subject)));
        return found !== undefined;
      }, { intervalMs: 50 });
      return message(found!.ID);
    },
    clear: () => api<void>('/api/v1/messages', { method: 'DELETE' }),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
