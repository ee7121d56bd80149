import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { testEngineSocket, until } from '@tessera/testing';
import type { LogLine } from '@tessera/contracts';
import { workspaceNames } from '../../src/integrations/containers/container-runtime.port';
import { WorkspaceLogsService } from '../../src/logs/workspace-logs.service';
import { caller, provisioned, startAppWithDevIdp } from '../support/app';
import { execIn, removeTenantObjects } from '../support/engine';
import { EventStreamReader } from '../support/sse';

/**
 * A workspace's logs on the real engine: who may read them, how reading is
 * audited, and the followed stream (new lines, heartbeats, the client going
 * away, a slow client, a reconnect, access ending). Lines are printed into
 * the workspace container's own output (its PID 1's stdout and stderr).
 */
/** Short: the platform's clock is moved past sessions, and tokens from dev-idp last 10 minutes of it. */
const SESSION_MINUTES = 1;

describe('workspace logs', () => {
  const run = randomBytes(3).toString('hex');
  const slug = `logs-${run}`;
  const defaultTenant = `default-${run}`;
  const otherTenant = `logs-other-${run}`;
  const container = workspaceNames(slug).container;
  const bearer: Record<string, string> = {};
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let docker: Docker;
  let origin: string;
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  const streams = () => t.app.get(WorkspaceLogsService).openStreams();

  /** Prints lines in the workspace, as its own process would. */
  const print = (script: string) => execIn(docker, container, ['/bin/busybox', 'sh', '-c', script]);
  const tail = async (who: string, query = 'tail=100') => {
    const response = await fetch(`${origin}/tenants/${slug}/workspace/logs?${query}`, { headers: { authorization: `Bearer ${bearer[who]}` } });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', lines: response.ok ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine) : [], body: text };
  };
  const follow = (who: string, query = 'tail=0', headers: Record<string, string> = {}) =>
    EventStreamReader.open(t, `/tenants/${slug}/workspace/logs/stream?${query}`, { authorization: `Bearer ${bearer[who]}`, ...headers });
  const texts = (stream: EventStreamReader) => stream.data<LogLine>().map((line) => line.text);
  const reads = async () => (await call('get', `/audit?action=workspace.logs.read&tenant=${slug}&pageSize=100`, 'operator').expect(200)).body.items as { actor: { subject: string }; support: { grantId: string; approvedBy: string } | null }[];
  const grant = async () => {
    const id = (await call('post', `/tenants/${slug}/support-access`, 'operator', { reason: 'Ticket 42: the app prints errors' }).expect(201)).body.id as string;
    await call('post', `/tenants/${slug}/support-access/${id}/approve`, 'owner').expect(200);
    return id;
  };

  beforeAll(async () => {
    const socket = testEngineSocket();
    docker = new Docker({ socketPath: socket });
    t = await startAppWithDevIdp('workspace_logs', {
      CONTAINER_ENGINE_SOCKET: socket,
      SEED_DEFAULT_TENANT: defaultTenant,
      LOGS_HEARTBEAT_SECONDS: '1',
      LOGS_AUDIT_SESSION_MINUTES: String(SESSION_MINUTES),
      SUPPORT_ACCESS_TTL_SECONDS: '600',
    });
    origin = await t.app.getUrl();
    await t.idp.createPerson('opal', { groups: ['platform-admins'] });
    bearer['operator'] = await t.idp.accessToken('opal', 'operator');
    for (const who of ['owner', 'ada', 'mel', 'otto']) {
      await t.idp.createPerson(who);
      bearer[who] = await t.idp.accessToken(who, 'portal');
    }
    await call('post', '/tenants', 'owner', { slug, name: 'Logs' }).expect(201);
    await call('post', `/tenants/${slug}/members`, 'owner', { email: 'ada@example.test', role: 'admin' }).expect(201);
    await call('post', `/tenants/${slug}/members`, 'owner', { email: 'mel@example.test', role: 'member' }).expect(201);
    // Otto owns a tenant of his own.
    await call('post', '/tenants', 'otto', { slug: otherTenant, name: 'Otto' }).expect(201);
    expect((await provisioned(t, slug, bearer['owner']!)).provisioning['workspace']?.state).toBe('ok');
  });
  afterAll(async () => {
    await t.close();
    await removeTenantObjects(docker, [slug, otherTenant, defaultTenant]);
  });

  it("lets the owner read the last lines, stdout and stderr, and refuses the tenant's admins and members and another tenant's owner", async () => {
    await print(`echo "said ${run}" > /proc/1/fd/1; echo "oops ${run}" > /proc/1/fd/2`);
    const answer = await tail('owner', 'tail=2');
    expect(answer.status).toBe(200);
    expect(answer.type).toContain('application/x-ndjson');
    // Within one second the engine may list the two streams in either order.
    expect(answer.lines.map(({ stream, text }) => ({ stream, text }))).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', text: `said ${run}` },
        { stream: 'stderr', text: `oops ${run}` },
      ]),
    );
    expect(answer.lines).toHaveLength(2);
    expect(Date.parse(answer.lines[0]!.at)).not.toBeNaN();
    for (const who of ['ada', 'mel', 'otto']) {
      expect((await tail(who)).status).toBe(403);
      expect((await follow(who)).status).toBe(403);
    }
    expect((await tail('owner', 'tail=2001')).status).toBe(400);
  });

  it('refuses an operator without support access, serves one with an approved grant, and refuses again once it ends', async () => {
    expect((await tail('operator')).status).toBe(403);
    expect((await follow('operator')).status).toBe(403);
    const id = await grant();
    expect((await tail('operator')).status).toBe(200);
    const followed = await follow('operator');
    expect(followed.status).toBe(200);
    followed.close();
    await until('the stream is let go', () => streams().length === 0);
    await call('post', `/tenants/${slug}/support-access/${id}/revoke`, 'owner').expect(200);
    expect((await tail('operator')).status).toBe(403);
    expect((await follow('operator')).status).toBe(403);
  });

  it('audits reading once per session: per person and grant, not per request, and again when a session has passed', async () => {
    const ownerReads = async () => (await reads()).filter((event) => event.support === null).length;
    // Whatever earlier tests began has passed: the next read begins a session, and is written down once.
    t.clock.advance(SESSION_MINUTES * 60_000 + 1_000);
    const before = await ownerReads();
    await tail('owner');
    await tail('owner');
    const stream = await follow('owner');
    stream.close();
    expect(await ownerReads()).toBe(before + 1);
    // A session later, the next read is written down again.
    t.clock.advance(SESSION_MINUTES * 60_000 + 1_000);
    await tail('owner');
    await tail('owner');
    expect(await ownerReads()).toBe(before + 2);
    // An operator's reading under a grant: one event for the grant, naming the owner who approved it, and no per-request support reads.
    const id = await grant();
    await tail('operator');
    await tail('operator');
    const underGrant = (await reads()).filter((event) => event.support?.grantId === id);
    expect(underGrant).toHaveLength(1);
    const ownerId = (await call('get', '/users/me', 'owner').expect(200)).body.id;
    expect(underGrant[0]!.support!.approvedBy).toBe(ownerId);
    const supportReads = (await call('get', `/audit?action=support.read&tenant=${slug}`, 'operator').expect(200)).body.items as unknown[];
    expect(supportReads).toHaveLength(0);
    await call('post', `/tenants/${slug}/support-access/${id}/revoke`, 'owner').expect(200);
    await until('the stream is let go', () => streams().length === 0);
  });

  it('follows new lines as they are printed, with heartbeats, and closes the engine stream when the client goes away', async () => {
    const stream = await follow('owner');
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    await until('the stream is open', () => streams().some((s) => s.tenant === slug));
    await print(`echo "followed ${run}" > /proc/1/fd/1`);
    await until('the new line arrives', () => texts(stream).includes(`followed ${run}`));
    await until('a heartbeat arrives', () => stream.comments.includes('heartbeat'));
    stream.close();
    await until('the API let go of the stream and its engine stream', () => streams().length === 0);
  });

  it('resumes after a reconnect from Last-Event-ID with the lines printed meanwhile, none twice', async () => {
    await print(`echo "before ${run}" > /proc/1/fd/1`);
    const first = await follow('owner', 'tail=1');
    await until('the last line arrives', () => texts(first).includes(`before ${run}`));
    const lastId = first.events.at(-1)!.id!;
    first.close();
    await until('the first stream is let go', () => streams().length === 0);
    await print(`for i in 1 2 3; do echo "meanwhile $i ${run}" > /proc/1/fd/1; done`);
    const second = await follow('owner', 'tail=50', { 'last-event-id': lastId });
    await until('the lines printed meanwhile arrive', () => texts(second).includes(`meanwhile 3 ${run}`));
    expect(texts(second)).toEqual([`meanwhile 1 ${run}`, `meanwhile 2 ${run}`, `meanwhile 3 ${run}`]);
    second.close();
    await until('the second stream is let go', () => streams().length === 0);
  });

  it('holds a bounded amount for a client that stops reading, and loses nothing once it reads again', async () => {
    const stream = await follow('owner');
    await until('the stream is open', () => streams().length === 1);
    stream.pause();
    // 20 MB of log, far more than the sockets between the engine, the API and the client hold.
    const count = 20_000;
    await print(`/bin/busybox yes "${'x'.repeat(1_000)}" | /bin/busybox head -n ${count} > /proc/1/fd/1; echo "done ${run}" > /proc/1/fd/1`);
    await until('the API waits for the client', () => streams()[0]?.waitingForClient === true);
    const held = streams()[0]!;
    // At most a few hundred lines and a few hundred KB in the API, whatever the engine has.
    expect(held.heldLines).toBeLessThanOrEqual(64 + 128);
    expect(held.heldBytes).toBeLessThan(512 * 1024);
    expect(texts(stream).length).toBeLessThan(count);
    stream.resume();
    await until('every line arrives once the client reads', () => stream.events.at(-1)?.data.includes(`done ${run}`) === true, { timeoutMs: 60_000 });
    expect(texts(stream)).toHaveLength(count + 1);
    stream.close();
    await until('the stream is let go', () => streams().length === 0);
  });

  it('ends a followed stream with a reason when its reader is disabled', async () => {
    const ownerId = (await call('get', '/users/me', 'owner').expect(200)).body.id as string;
    const owner = await follow('owner');
    await until('the stream is open', () => streams().length === 1);
    await call('post', `/people/${ownerId}/disable`, 'operator', { reason: 'Left the company' }).expect(200);
    try {
      await until('the stream ends', () => owner.ended);
      expect(owner.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ reason: 'Your access to these logs has ended' }) });
      expect(streams()).toHaveLength(0);
    } finally {
      await call('post', `/people/${ownerId}/enable`, 'operator', { reason: 'Came back' }).expect(200);
    }
  });

  it('ends a followed stream with a reason when the access ends, and when the workspace stops', async () => {
    const id = await grant();
    const operator = await follow('operator');
    expect(operator.status).toBe(200);
    await call('post', `/tenants/${slug}/support-access/${id}/revoke`, 'owner').expect(200);
    await until('the stream ends', () => operator.ended);
    expect(operator.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ reason: 'Your access to these logs has ended' }) });

    const owner = await follow('owner');
    await until('the stream is open', () => streams().length === 1);
    await call('post', `/tenants/${slug}/workspace/stop`, 'owner').expect(200);
    await until('the stream ends', () => owner.ended);
    expect(owner.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ reason: 'The workspace stopped' }) });
    expect(streams()).toHaveLength(0);
  });
});
