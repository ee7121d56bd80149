import { Socket } from 'node:net';
import { startMailpit, type RunningMailpit } from '../src';

/** One message sent over plain SMTP, line by line, waiting for each answer. */
async function sendMail(port: number, from: string, to: string[], subject: string, body: string): Promise<void> {
  const socket = new Socket();
  const lines: string[] = [];
  let waiting: ((line: string) => void) | null = null;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    for (const line of chunk.split('\r\n').filter(Boolean)) {
      // Only the last line of a multi-line answer ("250 " rather than "250-") ends it.
      if (!/^\d{3} /.test(line)) continue;
      if (waiting) {
        waiting(line);
        waiting = null;
      } else lines.push(line);
    }
  });
  const answer = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : (waiting = resolve)));
  const say = async (line: string, expected: string) => {
    socket.write(`${line}\r\n`);
    const reply = await answer();
    if (!reply.startsWith(expected)) throw new Error(`SMTP: "${line}" answered "${reply}"`);
  };
  await new Promise<void>((resolve, reject) => socket.once('error', reject).connect(port, '127.0.0.1', resolve));
  if (!(await answer()).startsWith('220')) throw new Error('SMTP: no greeting');
  await say('EHLO tessera.test', '250');
  await say(`MAIL FROM:<${from}>`, '250');
  for (const address of to) await say(`RCPT TO:<${address}>`, '250');
  await say('DATA', '354');
  await say(`From: ${from}\r\nTo: ${to.join(', ')}\r\nSubject: ${subject}\r\n\r\n${body}\r\n.`, '250');
  await say('QUIT', '221');
  socket.destroy();
}

/** The harness the notification tests read email back through: Mailpit on free ports, its JSON API. */
describe('Mailpit, the SMTP server of the tests', () => {
  let mailpit: RunningMailpit;

  beforeAll(async () => {
    mailpit = await startMailpit();
  });
  afterAll(() => mailpit.stop());

  it('receives a message over SMTP and answers it, with its recipients and text, through the API', async () => {
    await sendMail(mailpit.smtpPort, 'tessera@example.test', ['owen@example.test', 'ada@example.test'], 'The workspace of acme is down', 'It stopped answering.');
    const message = await mailpit.waitFor('ada@example.test', /acme is down/);
    expect(message.From.Address).toBe('tessera@example.test');
    expect(message.To.map((to) => to.Address).sort()).toEqual(['ada@example.test', 'owen@example.test']);
    expect(message.Text).toContain('It stopped answering.');
  });

  it('forgets every message when cleared, so each test reads only its own', async () => {
    await sendMail(mailpit.smtpPort, 'tessera@example.test', ['mel@example.test'], 'Another', 'Body');
    await mailpit.waitFor('mel@example.test');
    await mailpit.clear();
    expect(await mailpit.messages()).toEqual([]);
  });
});
