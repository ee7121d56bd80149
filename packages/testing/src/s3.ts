import { spawn } from 'node:child_process';
import { freePort, listening } from './ferretdb';
import { until } from './until';

export interface RunningS3 {
  /** The port it listens on, on every interface: a container reaches it at its network's gateway. */
  port: number;
  /** The keys restic signs with (gofakes3 accepts any; real S3 would check them). */
  accessKeyId: string;
  secretAccessKey: string;
  /** The names of the objects under `prefix` in `bucket` (ListObjectsV2, path style). */
  list(bucket: string, prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * gofakes3 (GOFAKES3_BIN, built by scripts/lib.sh's ensure_gofakes3): a real
 * S3-compatible HTTP server, objects in memory, buckets created on first use.
 * It listens on every interface, so the backup helper's container reaches it
 * at its network's gateway address.
 */
export async function startS3(binary = process.env['GOFAKES3_BIN']): Promise<RunningS3> {
  if (!binary) throw new Error('GOFAKES3_BIN is not set: run scripts/lib.sh ensure_gofakes3');
  const port = await freePort();
  const child = spawn(binary, ['-backend', 'memory', '-autobucket', '-host', `0.0.0.0:${port}`], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until('gofakes3 listens', async () => {
    if (child.exitCode !== null) throw new Error(`gofakes3 exited with code ${child.exitCode}`);
    return listening(port);
  }, { intervalMs: 50 });
  return {
    port,
    accessKeyId: 'tessera-test',
    secretAccessKey: 'tessera-test-secret-key',
    list: async (bucket, prefix) => {
      const response = await fetch(`http://127.0.0.1:${port}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
      if (!response.ok) throw new Error(`gofakes3 answered ${response.status} to a listing of ${bucket}`);
      return [...(await response.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1]!);
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
