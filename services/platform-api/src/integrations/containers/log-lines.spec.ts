import type { LogLine } from '@tessera/contracts';
import { LogLines } from './log-lines';

/** One frame of the engine's log endpoint: stream byte, three zeros, length, payload. */
function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function linesOf(transform: LogLines, chunks: Buffer[]): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  transform.on('data', (line: LogLine) => lines.push(line));
  for (const chunk of chunks) transform.write(chunk);
  transform.end();
  await new Promise((resolve) => transform.on('end', resolve));
  return lines;
}

describe('LogLines', () => {
  it('reads stdout and stderr frames with their timestamps, whatever the chunking', async () => {
    const bytes = Buffer.concat([frame(1, '2026-11-30T23:05:43.123456789Z hello\n'), frame(2, '2026-11-30T23:05:44Z oops\n')]);
    // Byte by byte: headers and payloads split anywhere.
    const lines = await linesOf(new LogLines(true), [...bytes].map((byte) => Buffer.from([byte])));
    expect(lines).toEqual([
      { at: '2026-11-30T23:05:43.123456789Z', stream: 'stdout', text: 'hello' },
      { at: '2026-11-30T23:05:44Z', stream: 'stderr', text: 'oops' },
    ]);
  });

  it('joins the pieces of a line the engine cut into several frames', async () => {
    const lines = await linesOf(new LogLines(true), [frame(1, '2026-11-30T23:05:43Z first half, '), frame(1, '2026-11-30T23:05:43Z second half\n')]);
    expect(lines).toEqual([{ at: '2026-11-30T23:05:43Z', stream: 'stdout', text: 'first half, second half' }]);
  });

  it('cuts a line longer than the cap and marks it truncated, keeping the next line whole', async () => {
    const long = 'x'.repeat(100_000);
    const lines = await linesOf(new LogLines(true, 1_024), [frame(1, `2026-11-30T23:05:43Z ${long}\n`), frame(1, '2026-11-30T23:05:44Z next\n')]);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.text).toHaveLength(1_024);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[1]).toEqual({ at: '2026-11-30T23:05:44Z', stream: 'stdout', text: 'next' });
  });

  it('reads the raw bytes of a container with a terminal', async () => {
    const lines = await linesOf(new LogLines(false), [Buffer.from('2026-11-30T23:05:43Z one\r\n2026-11-30T23:05:4'), Buffer.from('4Z two\n')]);
    expect(lines).toEqual([
      { at: '2026-11-30T23:05:43Z', stream: 'stdout', text: 'one' },
      { at: '2026-11-30T23:05:44Z', stream: 'stdout', text: 'two' },
    ]);
  });

  it('stops taking bytes when its reader does not read, so the engine is paused instead of buffered', () => {
    const transform = new LogLines(true);
    const chunk = Buffer.concat(Array.from({ length: 100 }, (_, i) => frame(1, `2026-11-30T23:05:43Z line ${i}\n`)));
    let accepted = 0;
    // Nobody reads: write until the transform says to stop.
    while (transform.write(chunk)) {
      accepted += 1;
      if (accepted > 1_000) break;
    }
    expect(accepted).toBeLessThan(5);
    // What it holds is bounded: the lines waiting plus one writable buffer's worth of bytes.
    expect(transform.readableLength).toBeLessThanOrEqual(64 + 100);
    expect(transform.writableLength).toBeLessThanOrEqual(16 * 1024 + chunk.length);
    transform.destroy();
  });
});
