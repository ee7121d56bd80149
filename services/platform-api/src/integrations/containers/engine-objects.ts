import Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { IntegrationError, isIntegrationError } from '../integration-error';
import { TENANT_LABEL, type LogOptions, type WorkspaceRef } from './container-runtime.port';
import { LogLines } from './log-lines';

/*
 * What the engine adapters (one engine, a Swarm) share: whose an engine
 * object is, how an engine's answers become Tessera's errors, and how a log
 * is read.
 */

/** How long a call to an engine or a manager may take before it fails as not answering. */
const ENGINE_CALL_TIMEOUT_MS = 30_000;

/** A client of the engine (or Swarm manager) on `socketPath` whose calls fail after ENGINE_CALL_TIMEOUT_MS; `streaming` has no timeout, for logs and events. */
export function engineClient(socketPath: string, { streaming = false } = {}): Docker {
  return new Docker(streaming ? { socketPath } : { socketPath, timeout: ENGINE_CALL_TIMEOUT_MS });
}

/** Whether an engine object is the workspace's tenant's, by its label (names can be shared). */
export function owns(workspace: WorkspaceRef, labels: Record<string, string> | undefined | null): boolean {
  return labels?.[TENANT_LABEL] === workspace.tenantId;
}

/** Whose an engine object is, from its labels, in words. */
export function ownerOf(labels: Record<string, string> | undefined | null): string {
  const tenant = labels?.[TENANT_LABEL];
  return tenant ? `another tenant (${tenant})` : 'nobody Tessera knows (no tenant label)';
}

/** Throws `conflict` when the object of that name is another tenant's: nothing of another tenant's is joined, mounted or replaced. */
export function mustOwn(workspace: WorkspaceRef, kind: string, name: string, labels: Record<string, string> | undefined | null): void {
  if (owns(workspace, labels)) return;
  const remedy = kind === 'data volume' ? 'an administrator of the engine moves it aside' : 'an operator repairs the workspace';
  throw new IntegrationError('containers', 'conflict', `The ${kind} ${name} belongs to ${ownerOf(labels)}, not to ${workspace.slug}: Tessera does not touch it until ${remedy}`);
}

/** An inspect's answer, or null when the engine has no such object. */
export async function inspected<T>(inspect: () => Promise<T>): Promise<T | null> {
  try {
    return await inspect();
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}

/**
 * A concurrent caller created it first: fine, it converges on the same object.
 * Docker answers 409; Podman 500 "already exists"; a Swarm manager 500 "name
 * conflicts with an existing object" (seen with 20 ensures of one tenant at once).
 */
export async function ignoreConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error: unknown) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 409 && !(status === 500 && /already (exists|in use)|name conflicts with an existing object/i.test(String((error as Error).message)))) throw error;
  }
}

/** Runs engine calls; an engine that is down or answers an error becomes an IntegrationError. */
export async function engineCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (isIntegrationError(error)) throw error;
    const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') throw new IntegrationError('containers', 'unavailable', `The container engine is not reachable (${code})`);
    // docker-modem ends a call past its timeout by destroying the request, which Node reports as a hang-up; so does an engine going away mid-call
    // (a reset, or a broken pipe when it went while the call was being written).
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ECONNABORTED' || /socket hang up/i.test(message ?? '')) throw new IntegrationError('containers', 'unavailable', 'The container engine dropped the call: it did not answer in time, or went away meanwhile');
    throw new IntegrationError('containers', 'unavailable', `The container engine answered ${statusCode ?? ''} ${message ?? String(error)}`.trim());
  }
}

/** How often a Swarm object's update is tried when another update came first. */
const UPDATE_ATTEMPTS = 3;

/**
 * Updates a Swarm object (a service, a node) naming the version it read: the
 * manager refuses an update of an older version ("update out of sequence"),
 * so a concurrent update is never lost. On that refusal the object is read
 * again and `change` applied to what is there now, up to UPDATE_ATTEMPTS times.
 * `read` answers null when the object is gone; then nothing is written.
 */
export async function updateInSequence<S>(
  read: () => Promise<{ Version?: { Index: number }; Spec: S } | null>,
  write: (version: number, spec: S) => Promise<unknown>,
  change: (spec: S) => S,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await read();
    if (!current) return;
    try {
      await write(current.Version?.Index ?? 0, change(structuredClone(current.Spec)));
      return;
    } catch (error: unknown) {
      if (attempt >= UPDATE_ATTEMPTS || !/out of sequence/i.test(String((error as Error).message))) throw error;
    }
  }
}

/** Joins a container to a network; already joined is fine (Docker answers 403, Podman 409 or 500 with the same words). */
export async function joinNetwork(connect: () => Promise<unknown>): Promise<void> {
  try {
    await connect();
  } catch (error: unknown) {
    const { statusCode, message } = error as { statusCode?: number; message?: string };
    if (!(statusCode === 403 || statusCode === 409 || /already/i.test(message ?? ''))) throw error;
  }
}

/**
 * A container's or a service's log (`path`: `/containers/<id>/logs?` or
 * `/services/<id>/logs?`) as a stream of LogLine objects, dialled as a stream
 * whether followed or not (dockerode answers a log that is not followed as
 * one buffer). Answered at once, not when the engine's headers come: Podman
 * sends none for a followed log until the container prints. Destroying the
 * lines (the reader went away) aborts the request or destroys the engine's
 * response, which closes its socket. An engine's 404 (removed since it was
 * looked up) becomes `gone()`.
 */
export function dialLogs(streaming: Docker, path: string, options: LogOptions, multiplexed: boolean, gone: () => Error): Readable {
  const query: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, follow: options.follow, tail: options.tail };
  if (options.since) query['since'] = Math.floor(options.since.getTime() / 1_000);
  const lines = new LogLines(multiplexed);
  const abort = new AbortController();
  lines.once('close', () => abort.abort());
  streaming.modem.dial(
    {
      path,
      method: 'GET',
      isStream: true,
      abortSignal: abort.signal,
      statusCodes: { 200: true, 404: 'no such object', 500: 'server error', 503: 'node is not part of a swarm' },
      options: query,
    },
    (error: unknown, stream: unknown) => {
      if (error) {
        if (lines.destroyed) return;
        lines.destroy((error as { statusCode?: number }).statusCode === 404 ? gone() : (error as Error));
        return;
      }
      const response = stream as IncomingMessage;
      if (lines.destroyed) response.destroy();
      else pipeline(response, lines, () => undefined);
    },
  );
  return lines;
}

/**
 * Lets at most `limit` calls of this client be in flight at once; the others
 * wait their turn before they are sent. A Swarm manager answers calls one
 * raft read or write at a time: 8 reconciles of three calls each, a watch
 * poll and status reads at once queued there past the client's timeout, which
 * docker-modem enforces by dropping the call ("socket hang up", seen in
 * bench/swarm at 200 tenants). Queued here, a call's timeout starts when it
 * is sent. Streams (logs) use a client of their own.
 */
export function boundCalls(docker: Docker, limit: number): Docker {
  const modem = docker.modem as unknown as { dial: (options: unknown, callback: (error: unknown, data: unknown) => void) => void };
  const dial = modem.dial.bind(modem);
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  modem.dial = (options, callback) => {
    const send = () => {
      active += 1;
      let done = false;
      dial(options, (error, data) => {
        if (!done) {
          done = true;
          release();
        }
        callback(error, data);
      });
    };
    if (active < limit) send();
    else waiting.push(send);
  };
  return docker;
}

/**
 * Callers that ask while the same read is in flight share its answer (one
 * call to the engine instead of one per caller): the answer is never older
 * than the moment they asked.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= read().finally(() => (inFlight = null));
    return inFlight;
  };
}
