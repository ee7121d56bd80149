import type Docker from 'dockerode';
import { boundCalls, engineCall, sharedRead, updateInSequence } from './engine-objects';

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

describe('updateInSequence', () => {
  it('applies the change again to the newer version when another update came first, keeping that update', async () => {
    let stored = { Version: { Index: 1 }, Spec: { replicas: 1, limit: 64 } };
    const written: { version: number; spec: typeof stored.Spec }[] = [];
    let raced = false;
    await updateInSequence(
      async () => structuredClone(stored),
      async (version, spec) => {
        written.push({ version, spec });
        if (!raced) {
          // Someone else's update lands between this read and this write.
          raced = true;
          stored = { Version: { Index: 2 }, Spec: { replicas: 1, limit: 16 } };
          throw new Error('(HTTP code 500) server error - rpc error: code = Unknown desc = update out of sequence');
        }
        stored = { Version: { Index: version + 1 }, Spec: spec };
      },
      (spec) => ({ ...spec, replicas: 0 }),
    );
    expect(written.map((write) => write.version)).toEqual([1, 2]);
    expect(stored).toEqual({ Version: { Index: 3 }, Spec: { replicas: 0, limit: 16 } });
  });

  it('gives up after three refusals, and passes on any other error at once', async () => {
    const outOfSequence = jest.fn(async () => Promise.reject(new Error('update out of sequence')));
    await expect(updateInSequence(async () => ({ Version: { Index: 1 }, Spec: {} }), outOfSequence, (spec) => spec)).rejects.toThrow('out of sequence');
    expect(outOfSequence).toHaveBeenCalledTimes(3);
    const refused = jest.fn(async () => Promise.reject(new Error('invalid spec')));
    await expect(updateInSequence(async () => ({ Version: { Index: 1 }, Spec: {} }), refused, (spec) => spec)).rejects.toThrow('invalid spec');
    expect(refused).toHaveBeenCalledTimes(1);
  });

  it('writes nothing when the object is gone', async () => {
    const write = jest.fn();
    await updateInSequence(async () => null, write, (spec) => spec);
    expect(write).not.toHaveBeenCalled();
  });
});
