import { startMailpit, type RunningMailpit } from '@tessera/testing';
import type { CreatedWebhookEndpoint, NotificationPreferences, Page, WebhookDelivery } from '@tessera/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { Notifier } from '../../src/common/notifier';
import { NotificationDispatcher } from '../../src/notifications/notification-dispatcher.service';
import { NotificationsRepository } from '../../src/notifications/notifications.repository';
import { SupportExpirySweep } from '../../src/support/support-expiry.service';
import { caller, startAppWithDevIdp, startAppWithTestIssuer, tokens } from '../support/app';
import { TestClock } from '../support/clock';
import { dropDatabase } from '@tessera/testing';

jest.setTimeout(90_000);

/** A webhook receiver: records what it is sent; `/ok` answers 200, `/fail` a 500 with a long body. */
async function startReceiver(): Promise<{ url: string; received: { path: string; headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> }> {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (request.url?.startsWith('/fail')) response.writeHead(500).end(`receiver broke: ${'x'.repeat(2_000)}`);
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The signatures a header carries: its timestamp and each `v1=` (two for a day after the secret is rotated). */
function signaturesOf(header: string | string[] | undefined): { t: string | undefined; v1: string[] } {
  const parts = String(header).split(',').map((part) => part.split('=') as [string, string]);
  return { t: parts.find(([key]) => key === 't')?.[1], v1: parts.filter(([key]) => key === 'v1').map(([, value]) => value) };
}

/** The receiver's check (docs/notifications.md): an HMAC over "<t>.<body>" with the secret it holds equals one of the `v1=` signatures. */
function verifies(secret: string, header: string | string[] | undefined, body: string): boolean {
  const { t, v1 } = signaturesOf(header);
  if (!t || v1.length === 0) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return v1.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

const SETTINGS = { NOTIFICATIONS_DISPATCH_SECONDS: '0', SUPPORT_EXPIRY_CHECK_SECONDS: '0', SUPPORT_ACCESS_TTL_SECONDS: '60', NOTIFICATIONS_RETRY_SECONDS: '30', NOTIFICATIONS_MAX_ATTEMPTS: '3', WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' };

describe('notifications', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let mailpit: RunningMailpit;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let notifier: Notifier;
  let dispatcher: NotificationDispatcher;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);
  let tenantId = '';
  let northwindId = '';

  beforeAll(async () => {
    [mailpit, receiver] = await Promise.all([startMailpit(), startReceiver()]);
    t = await startAppWithDevIdp('notifications', { ...SETTINGS, SMTP_URL: mailpit.smtpUrl, SMTP_FROM: 'notices@tessera.test', SEED_DEMO: 'true' });
    notifier = t.app.get(Notifier);
    dispatcher = t.app.get(NotificationDispatcher);
    const people: [string, 'portal' | 'operator', string[]][] = [
      ['opal', 'operator', ['platform-admins']],
      ['owen', 'portal', []],
      ['ada', 'portal', []],
      ['nora', 'portal', ['tenant:northwind:owner']],
      ['parker', 'portal', ['partner:northwind-reseller:admin']],
    ];
    for (const [who, app, groups] of people) {
      await t.idp.createPerson(who, { groups });
      bearer[who] = await t.idp.accessToken(who, app);
      await call('get', '/users/me', who).expect(200);
    }
    tenantId = (await call('post', '/tenants', 'owen', { slug: 'notified', name: 'Notified Ltd' }).expect(201)).body.id;
    await call('post', '/tenants/notified/members', 'owen', { email: 'ada@example.test', role: 'admin' }).expect(201);
    northwindId = (await call('get', '/tenants/northwind', 'opal').expect(200)).body.id;
    await call('patch', '/partners/northwind-reseller/branding', 'opal', { displayName: 'Northwind Cloud', primaryColor: '#0f766e' }).expect(200);
    // Whatever the set-up queued (sign-ups, seeds) is delivered and forgotten: each test starts from an empty mailbox.
    await dispatcher.pass();
    await mailpit.clear();
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([mailpit?.stop(), receiver?.close()]);
  });

  const deliveriesOf = async (who: string, base: string, endpoint: string) => ((await call('get', `${base}/${endpoint}/deliveries`, who).expect(200)).body as Page<WebhookDelivery>).items;

  it("mails a tenant's owners and the operators through SMTP, and posts the tenant's webhook signed with HMAC-SHA256 over the timestamp and body", async () => {
    const endpoint = (await call('post', '/tenants/notified/webhooks', 'owen', { url: `${receiver.url}/ok/tenant`, description: 'on call' }).expect(201)).body as CreatedWebhookEndpoint;
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = (await call('get', '/tenants/notified/webhooks', 'owen').expect(200)).body;
    expect(listed).toEqual([expect.objectContaining({ id: endpoint.id, url: `${receiver.url}/ok/tenant`, disabledAt: null })]);
    expect(listed[0]).not.toHaveProperty('secret');

    await notifier.notify({ kind: 'workspace.down', tenantId, subject: 'Notified Ltd is down', text: 'The workspace stopped answering.', key: 'down-1' });
    const report = await dispatcher.pass();
    expect(report).toMatchObject({ skipped: null, expanded: 1, failed: 0 });

    const toOwner = await mailpit.waitFor('owen@example.test', /Notified Ltd is down/);
    expect(toOwner.Text).toContain('The workspace stopped answering.');
    expect(toOwner.From).toMatchObject({ Name: 'Tessera', Address: 'notices@tessera.test' });
    await mailpit.waitFor('opal@example.test', /Notified Ltd is down/);
    // Admins are not owners: they are not mailed.
    expect((await mailpit.messages()).some((m) => m.To.some((to) => to.Address === 'ada@example.test'))).toBe(false);

    const post = receiver.received.find((r) => r.path === '/ok/tenant')!;
    expect(post.headers['tessera-event']).toBe('workspace.down');
    expect(verifies(endpoint.secret, post.headers['tessera-signature'], post.body)).toBe(true);
    expect(verifies('whsec_another', post.headers['tessera-signature'], post.body)).toBe(false);
    expect(JSON.parse(post.body)).toMatchObject({ type: 'workspace.down', subject: 'Notified Ltd is down', tenant: { id: tenantId, slug: 'notified' } });
    const [delivery] = await deliveriesOf('owen', '/tenants/notified/webhooks', endpoint.id);
    expect(delivery).toMatchObject({ state: 'sent', attempts: 1, lastStatus: 200, lastResponse: 'thanks', subject: 'Notified Ltd is down' });
    expect(delivery!.answers).toEqual([{ at: expect.any(String), status: 200, answer: 'thanks' }]);
    expect(post.headers['tessera-delivery']).toBe(delivery!.id);
    await call('post', `/tenants/notified/webhooks/${endpoint.id}/disable`, 'owen').expect(200);
  });

  it('queues a notice once per key, however often it is told', async () => {
    await mailpit.clear();
    await Promise.all([1, 2, 3].map(() => notifier.notify({ kind: 'incident.opened', subject: 'The database probe is failing', text: 'Seen by three processes.', key: 'incident-once' })));
    const report = await dispatcher.pass();
    expect(report.expanded).toBe(1);
    await mailpit.waitFor('opal@example.test', /database probe/);
    expect((await mailpit.messages()).filter((m) => /database probe/.test(m.Subject))).toHaveLength(1);
  });

  it("mails a partner's customer and the partner's admins in the partner's name and colour, operators in Tessera's", async () => {
    await mailpit.clear();
    await notifier.notify({ kind: 'workspace.down', tenantId: northwindId, subject: 'Northwind Traders is down', text: 'The workspace stopped answering.' });
    await dispatcher.pass();
    const toCustomer = await mailpit.waitFor('nora@example.test', /Northwind Traders is down/);
    expect(toCustomer.From.Name).toBe('Northwind Cloud');
    expect(toCustomer.HTML).toContain('#0f766e');
    expect(toCustomer.HTML).toContain('Northwind Cloud');
    const toPartner = await mailpit.waitFor('parker@example.test', /Northwind Traders is down/);
    expect(toPartner.From.Name).toBe('Northwind Cloud');
    const toOperator = await mailpit.waitFor('opal@example.test', /Northwind Traders is down/);
    expect(toOperator.From.Name).toBe('Tessera');
    expect(toOperator.HTML).not.toContain('#0f766e');
  });

  it('retries a failing receiver with a doubling delay on the moved clock, logs every attempt\'s answer trimmed, and gives up after the last attempt', async () => {
    const endpoint = (await call('post', '/system/webhooks', 'opal', { url: `${receiver.url}/fail/platform`, kinds: ['incident.opened'] }).expect(201)).body as CreatedWebhookEndpoint;
    await notifier.notify({ kind: 'incident.opened', subject: 'The edge probe is failing', text: 'Traefik does not answer.', key: 'edge-failing' });
    await notifier.notify({ kind: 'workspace.down', tenantId, subject: 'Not for this endpoint', text: 'Its kinds leave this out.' });
    expect(await dispatcher.pass()).toMatchObject({ retrying: 1 });
    let [delivery] = await deliveriesOf('opal', '/system/webhooks', endpoint.id);
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 500, subject: 'The edge probe is failing' });
    expect(delivery!.lastResponse!.startsWith('receiver broke: xxx')).toBe(true);
    expect(delivery!.lastResponse).toHaveLength(500);
    expect(new Date(delivery!.nextAttemptAt!).getTime() - t.clock.now().getTime()).toBeGreaterThan(25_000);

    // Not due yet: nothing is attempted.
    await dispatcher.pass();
    expect((await deliveriesOf('opal', '/system/webhooks', endpoint.id))[0]!.attempts).toBe(1);
    t.clock.advance(31_000);
    expect(await dispatcher.pass()).toMatchObject({ retrying: 1 });
    [delivery] = await deliveriesOf('opal', '/system/webhooks', endpoint.id);
    expect(delivery).toMatchObject({ state: 'pending', attempts: 2 });
    expect(new Date(delivery!.nextAttemptAt!).getTime() - t.clock.now().getTime()).toBeGreaterThan(55_000);
    t.clock.advance(31_000);
    await dispatcher.pass();
    expect((await deliveriesOf('opal', '/system/webhooks', endpoint.id))[0]!.attempts).toBe(2);
    t.clock.advance(30_000);
    expect(await dispatcher.pass()).toMatchObject({ failed: 1 });
    [delivery] = await deliveriesOf('opal', '/system/webhooks', endpoint.id);
    expect(delivery).toMatchObject({ state: 'failed', attempts: 3, nextAttemptAt: null, lastStatus: 500 });
    // The log keeps every attempt's answer, at the platform's time of each: the clock was moved 31 s, then 61 s more
    // (it runs with real time besides, so each gap is at least that).
    expect(delivery!.answers.map((answer) => answer.status)).toEqual([500, 500, 500]);
    expect(delivery!.answers.every((answer) => answer.answer!.startsWith('receiver broke: xxx') && answer.answer!.length === 500)).toBe(true);
    const times = delivery!.answers.map((answer) => Date.parse(answer.at));
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(31_000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(61_000);
    expect(receiver.received.filter((r) => r.path === '/fail/platform')).toHaveLength(3);
    expect((await deliveriesOf('opal', '/system/webhooks', endpoint.id))).toHaveLength(1);
    await call('post', `/system/webhooks/${endpoint.id}/disable`, 'opal').expect(200);
  });

  it('honours a person turning a kind off by email, and never lets a security kind be turned off', async () => {
    const before = (await call('get', '/users/me/notification-preferences', 'owen').expect(200)).body as NotificationPreferences;
    expect(before.items.find((p) => p.kind === 'workspace.down')).toEqual({ kind: 'workspace.down', channel: 'email', enabled: true, locked: false });
    expect(before.items.find((p) => p.kind === 'support.requested')).toMatchObject({ enabled: true, locked: true });

    const refused = await call('put', '/users/me/notification-preferences', 'owen', { items: [{ kind: 'workspace.down', channel: 'email', enabled: false }, { kind: 'support.requested', channel: 'email', enabled: false }] }).expect(400);
    expect(refused.body.message).toMatch(/cannot be turned off/);
    // Refused as a whole: the other change was not made either.
    expect(((await call('get', '/users/me/notification-preferences', 'owen').expect(200)).body as NotificationPreferences).items.find((p) => p.kind === 'workspace.down')!.enabled).toBe(true);
    await call('put', '/users/me/notification-preferences', 'owen', { items: [{ kind: 'nonsense', channel: 'email', enabled: false }] }).expect(400);
    await call('put', '/users/me/notification-preferences', 'owen', { items: [{ kind: 'workspace.down', channel: 'sms', enabled: false }] }).expect(400);
    await call('put', '/users/me/notification-preferences', 'owen', { items: [] }).expect(400);

    const after = (await call('put', '/users/me/notification-preferences', 'owen', { items: [{ kind: 'workspace.down', channel: 'email', enabled: false }] }).expect(200)).body as NotificationPreferences;
    expect(after.items.find((p) => p.kind === 'workspace.down')!.enabled).toBe(false);
    const audit = (await call('get', '/audit?action=notifications.preferences.update', 'opal').expect(200)).body.items;
    expect(audit).toHaveLength(1);

    await mailpit.clear();
    await notifier.notify({ kind: 'workspace.down', tenantId, subject: 'Down again', text: 'Still down.' });
    await notifier.notify({ kind: 'support.requested', tenantId, subject: 'An operator asks for support access', text: 'Ticket 4711.' });
    await dispatcher.pass();
    await mailpit.waitFor('owen@example.test', /support access/);
    await mailpit.waitFor('opal@example.test', /Down again/);
    expect((await mailpit.messages()).some((m) => /Down again/.test(m.Subject) && m.To.some((to) => to.Address === 'owen@example.test'))).toBe(false);
  });

  it('lets owners, partner admins and operators manage their own endpoints only, refuses bad input with 4xx, and audits each change', async () => {
    await call('get', '/tenants/notified/webhooks', 'ada').expect(403);
    await call('post', '/tenants/notified/webhooks', 'ada', { url: `${receiver.url}/ok` }).expect(403);
    await call('get', '/system/webhooks', 'owen').expect(403);
    await call('get', '/partners/northwind-reseller/webhooks', 'owen').expect(403);
    for (const body of [{}, { url: 'ftp://example.com/x' }, { url: 'not a url' }, { url: `${receiver.url}/ok`, kinds: ['nonsense'] }, { url: `${receiver.url}/ok`, extra: 1 }, { url: 'https://user:pw@example.com/x' }]) {
      await call('post', '/tenants/notified/webhooks', 'owen', body).expect(400);
    }
    await call('post', '/tenants/notified/webhooks/not-an-id/disable', 'owen').expect(404);
    const partnerEndpoint = (await call('post', '/partners/northwind-reseller/webhooks', 'parker', { url: `${receiver.url}/ok/partner` }).expect(201)).body as CreatedWebhookEndpoint;
    // Another scope's endpoint is not found from here.
    await call('post', `/tenants/notified/webhooks/${partnerEndpoint.id}/disable`, 'owen').expect(404);
    await call('get', `/tenants/notified/webhooks/${partnerEndpoint.id}/deliveries`, 'owen').expect(404);

    await notifier.notify({ kind: 'billing.past_due', tenantId: northwindId, subject: 'Northwind Traders is past due', text: 'The last invoice is unpaid.' });
    await dispatcher.pass();
    const post = receiver.received.find((r) => r.path === '/ok/partner')!;
    expect(verifies(partnerEndpoint.secret, post.headers['tessera-signature'], post.body)).toBe(true);

    await call('post', `/partners/northwind-reseller/webhooks/${partnerEndpoint.id}/disable`, 'parker').expect(200);
    await call('post', `/partners/northwind-reseller/webhooks/${partnerEndpoint.id}/disable`, 'parker').expect(409);
    const count = receiver.received.length;
    await notifier.notify({ kind: 'billing.past_due', tenantId: northwindId, subject: 'Still past due', text: 'Nothing for a disabled endpoint.' });
    await dispatcher.pass();
    expect(receiver.received.length).toBe(count);
    const listed = (await call('get', '/partners/northwind-reseller/webhooks', 'parker').expect(200)).body;
    expect(listed[0]).toMatchObject({ id: partnerEndpoint.id, disabledAt: expect.any(String) });
    const actions = ((await call('get', '/audit?pageSize=100', 'opal').expect(200)).body.items as { action: string }[]).map((e) => e.action);
    expect(actions.filter((a) => a === 'webhook.create').length).toBeGreaterThanOrEqual(3);
    expect(actions.filter((a) => a === 'webhook.disable').length).toBeGreaterThanOrEqual(3);
  });
  it('tells owners when support access is requested, approved and has ended, when their tenant is suspended or past due, each once', async () => {
    await mailpit.clear();
    const grant = (await call('post', '/tenants/notified/support-access', 'opal', { reason: 'Ticket 4711: members cannot sign in' }).expect(201)).body.id as string;
    await call('post', `/tenants/notified/support-access/${grant}/approve`, 'owen').expect(200);
    await dispatcher.pass();
    expect((await mailpit.waitFor('owen@example.test', /asks for support access to notified/)).Text).toContain('Ticket 4711');
    await mailpit.waitFor('owen@example.test', /Support access to notified was approved/);
    const sweep = t.app.get(SupportExpirySweep);
    expect(await sweep.sweep()).toBe(0);
    t.clock.advance(61_000);
    expect(await sweep.sweep()).toBe(1);
    expect(await sweep.sweep()).toBe(1);
    await dispatcher.pass();
    await mailpit.waitFor('owen@example.test', /Support access to notified has ended/);
    expect((await mailpit.messages()).filter((m) => /has ended/.test(m.Subject))).toHaveLength(1);

    await call('patch', '/tenants/notified/subscription', 'opal', { status: 'past_due' }).expect(200);
    await call('post', '/tenants/notified/suspend', 'opal', { reason: 'Unpaid since March' }).expect(200);
    await dispatcher.pass();
    await mailpit.waitFor('owen@example.test', /subscription of notified is past due/);
    expect((await mailpit.waitFor('owen@example.test', /Notified Ltd was suspended/)).Text).toContain('Unpaid since March');
    // Operators hear of neither: they made both changes themselves.
    expect((await mailpit.messages()).some((m) => /past due|suspended/.test(m.Subject) && m.To.some((to) => to.Address === 'opal@example.test'))).toBe(false);
  });

  it("tells operators of a sign-up waiting for approval, and its owner of the decision, with the operator's words", async () => {
    await mailpit.clear();
    await call('patch', '/system/settings', 'opal', { signupApproval: true }).expect(200);
    try {
      await call('post', '/tenants', 'ada', { slug: 'ada-first', name: 'Ada First' }).expect(201);
      await call('post', '/tenants', 'ada', { slug: 'ada-second', name: 'Ada Second' }).expect(201);
      await dispatcher.pass();
      expect((await mailpit.waitFor('opal@example.test', /Ada First waits for approval/)).Text).toContain('Nothing is set up until an operator approves');
      await mailpit.waitFor('opal@example.test', /Ada Second waits for approval/);

      await call('post', '/tenants/ada-first/approve', 'opal', { reason: 'Known customer' }).expect(200);
      await call('post', '/tenants/ada-second/reject', 'opal', { reason: 'A duplicate of ada-first' }).expect(200);
      await dispatcher.pass();
      expect((await mailpit.waitFor('ada@example.test', /Ada First was approved/)).Text).toContain('The operator wrote: Known customer');
      expect((await mailpit.waitFor('ada@example.test', /Ada Second was not approved/)).Text).toContain('The operator wrote: A duplicate of ada-first');
      // The operator decided: told of the sign-ups, not of the decisions.
      expect((await mailpit.messages()).some((m) => /approved/.test(m.Subject) && m.To.some((to) => to.Address === 'opal@example.test'))).toBe(false);
    } finally {
      await call('patch', '/system/settings', 'opal', { signupApproval: false }).expect(200);
    }
  });

  // Last: it moves the clock a day on.
  it("rotates an endpoint's secret for those who may create it, shows the new one once, signs with both for a day, then with the new one only", async () => {
    const endpoint = (await call('post', '/tenants/notified/webhooks', 'owen', { url: `${receiver.url}/ok/rotate`, kinds: ['workspace.down'] }).expect(201)).body as CreatedWebhookEndpoint;
    // Who may create it may rotate it; nobody else, and another scope's endpoint is not found from here.
    await call('post', `/tenants/notified/webhooks/${endpoint.id}/rotate-secret`, 'ada').expect(403);
    await call('post', `/partners/northwind-reseller/webhooks/${endpoint.id}/rotate-secret`, 'parker').expect(404);
    await call('post', '/tenants/notified/webhooks/not-an-id/rotate-secret', 'owen').expect(404);

    const before = t.clock.now().getTime();
    const rotated = (await call('post', `/tenants/notified/webhooks/${endpoint.id}/rotate-secret`, 'owen').expect(200)).body as CreatedWebhookEndpoint;
    const rotatedAt = new Date(rotated.secretRotatedAt!);
    expect(rotatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(rotatedAt.getTime()).toBeLessThanOrEqual(t.clock.now().getTime());
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(rotated).toMatchObject({ id: endpoint.id, previousSecretUntil: new Date(rotatedAt.getTime() + 24 * 3_600_000).toISOString() });
    const listed = ((await call('get', '/tenants/notified/webhooks', 'owen').expect(200)).body as Record<string, unknown>[]).find((e) => e.id === endpoint.id)!;
    expect(listed).toMatchObject({ secretRotatedAt: rotatedAt.toISOString() });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    const audit = (await call('get', '/audit?pageSize=20', 'opal').expect(200)).body.items as { action: string; target: { id: string }; tenant?: unknown }[];
    const event = audit.find((e) => e.action === 'webhook.rotate_secret' && e.target.id === endpoint.id);
    expect(event).toBeDefined();
    expect(JSON.stringify(audit)).not.toContain(rotated.secret);

    // The other scopes: a partner's admin and an operator rotate theirs.
    const partnerEndpoint = (await call('post', '/partners/northwind-reseller/webhooks', 'parker', { url: `${receiver.url}/ok/partner-rotate` }).expect(201)).body as CreatedWebhookEndpoint;
    await call('post', `/partners/northwind-reseller/webhooks/${partnerEndpoint.id}/rotate-secret`, 'owen').expect(403);
    await call('post', `/partners/northwind-reseller/webhooks/${partnerEndpoint.id}/rotate-secret`, 'parker').expect(200);
    const platformEndpoint = (await call('post', '/system/webhooks', 'opal', { url: `${receiver.url}/ok/platform-rotate`, kinds: ['incident.opened'] }).expect(201)).body as CreatedWebhookEndpoint;
    await call('post', `/system/webhooks/${platformEndpoint.id}/rotate-secret`, 'owen').expect(403);
    await call('post', `/system/webhooks/${platformEndpoint.id}/rotate-secret`, 'opal').expect(200);
    // A disabled endpoint sends nothing: its secret is not rotated.
    await call('post', `/system/webhooks/${platformEndpoint.id}/disable`, 'opal').expect(200);
    expect((await call('post', `/system/webhooks/${platformEndpoint.id}/rotate-secret`, 'opal').expect(409)).body.message).toMatch(/disabled/);
    await call('post', `/partners/northwind-reseller/webhooks/${partnerEndpoint.id}/disable`, 'parker').expect(200);

    // Within the day: signed with the new secret and, beside it, the old one; a receiver holding either accepts it.
    await notifier.notify({ kind: 'workspace.down', tenantId, subject: 'Down after the rotation', text: 'Signed twice.', key: 'rotate-1' });
    await dispatcher.pass();
    const first = receiver.received.find((r) => r.path === '/ok/rotate' && r.body.includes('Down after the rotation'))!;
    expect(signaturesOf(first.headers['tessera-signature']).v1).toHaveLength(2);
    expect(verifies(rotated.secret, first.headers['tessera-signature'], first.body)).toBe(true);
    expect(verifies(endpoint.secret, first.headers['tessera-signature'], first.body)).toBe(true);
    expect(verifies('whsec_another', first.headers['tessera-signature'], first.body)).toBe(false);

    // A day later: the new secret only.
    t.clock.advance(24 * 3_600_000 + 1_000);
    await notifier.notify({ kind: 'workspace.down', tenantId, subject: 'Down a day later', text: 'Signed once.', key: 'rotate-2' });
    await dispatcher.pass();
    const later = receiver.received.find((r) => r.path === '/ok/rotate' && r.body.includes('Down a day later'))!;
    expect(signaturesOf(later.headers['tessera-signature']).v1).toHaveLength(1);
    expect(verifies(rotated.secret, later.headers['tessera-signature'], later.body)).toBe(true);
    expect(verifies(endpoint.secret, later.headers['tessera-signature'], later.body)).toBe(false);
  });
});

describe('the notification outbox across a restart', () => {
  it('delivers, from a new app on the same database, what the stopped one had queued', async () => {
    const mailpit = await startMailpit();
    const first = await startAppWithTestIssuer('notifications_restart', { ...SETTINGS, SMTP_URL: mailpit.smtpUrl });
    try {
      const token = await tokens(first.issuer).operator('restart-operator', { groups: ['platform-admins'], email: 'rita@example.test', name: 'Rita' });
      await first.http().get('/users/me').set('authorization', `Bearer ${token}`).expect(200);
      await first.app.get(Notifier).notify({ kind: 'incident.opened', subject: 'Queued before the restart', text: 'Nothing delivered it yet.', key: 'before-restart' });
      await first.app.close();
      const second = await createApp(first.config, { clock: new TestClock() });
      try {
        // The first app queued more than this (its default tenant's identity step failed: no identity provider here).
        const report = await second.get(NotificationDispatcher).pass();
        expect(report.expanded).toBeGreaterThanOrEqual(1);
        expect(report.failed).toBe(0);
        const mail = await mailpit.waitFor('rita@example.test', /Queued before the restart/);
        expect(mail.Text).toContain('Nothing delivered it yet.');
        const notice = await second.get(NotificationsRepository).findByKey('before-restart');
        expect((await second.get(NotificationsRepository).listForNotification(notice!.id)).map((d) => d.state)).toEqual(['sent']);
      } finally {
        await second.close();
      }
    } finally {
      await dropDatabase(first.config.mongodbUri);
      await first.issuer.close();
      await mailpit.stop();
    }
  });
});
