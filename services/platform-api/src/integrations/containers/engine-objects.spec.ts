import type Docker from 'dockerode';
import { boundCalls, engineCall, sharedRead } from './engine-objects';

describe('boundCalls', () => {
  it('sends at most the limit of calls at once, and the waiting ones as earlier ones are answered', () => {
    const pending: ((error: unknown, data: unknown) => void)[] = [];
    const sent: unknown[] = [];
    const modem = { dial: (options: unknown, callback: (error: unknown, data: unknown) => void) => (sent.push(options), pending.push(callback)) };
    const docker = boundCalls({ modem } as unknown as Docker, 2);
    const answers: unknown[] = [];
    for (const call of [1, 2, 3, 4]) (docker.modem as unknown as typeof modem).dial(call, (_error, data) => answers.push(data));
    expect(sent).toEqual([1, 2]);
    pending.shift()!(null, 'one');
    expect(sent).toEqual([1, 2, 3]);
    pending.shift()!(new Error('refused'), undefined);
    pending.shift()!(null, 'three');
    expect(sent).toEqual([1, 2, 3, 4]);
    expect(answers).toEqual(['one', undefined, 'three']);
  });
});

describe('sharedRead', () => {
  it('answers callers that ask while a read is in flight from that read, and reads again after it', async () => {
    let reads = 0;
    let finish: (value: number) => void = () => undefined;
    const read = sharedRead(() => new Promise<number>((done) => ((reads += 1), (finish = done))));
    const together = [read(), read(), read()];
    finish(7);
    expect(await Promise.all(together)).toEqual([7, 7, 7]);
    expect(reads).toBe(1);
    const later = read();
    finish(8);
    expect(await later).toBe(8);
    expect(reads).toBe(2);
  });
});

describe('engineCall', () => {
  const failing = (error: object) => engineCall(() => Promise.reject(Object.assign(new Error('x'), error)));

  it('says an engine that is gone, or went away during the call, in a sentence with the code unavailable', async () => {
    await expect(failing({ code: 'ECONNREFUSED' })).rejects.toMatchObject({ code: 'unavailable', message: 'The container engine is not reachable (ECONNREFUSED)' });
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT']) {
      await expect(failing({ code })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^The container engine dropped the call/) });
    }
    await expect(failing({ statusCode: 500, message: 'it broke' })).rejects.toMatchObject({ code: 'unavailable', message: 'The container engine answered 500 it broke' });
  });
});
