import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { User } from '../../src/users/user.schema';
import { provisioned, startAppWithDevIdp } from '../support/app';
import { describeRule, routesOf } from '../support/routes';

type DevIdpApp = Awaited<ReturnType<typeof startAppWithDevIdp>>;

/** A new person in dev-idp, signed in through the portal or operator application. */
async function person(t: DevIdpApp, username: string, app: 'portal' | 'operator' = 'portal', groups: string[] = []): Promise<string> {
  await t.idp.createPerson(username, { groups });
  return t.idp.accessToken(username, app);
}

/** Every route the API serves, with the rule that says who may call it. */
function routeTable(t: DevIdpApp): Record<string, string> {
  return Object.fromEntries(routesOf(t.app).map((route) => [`${route.method} ${route.path}`, describeRule(route.rule)]));
}

describe('the platform as a whole', () => {
  let t: DevIdpApp;

  beforeAll(async () => {
    t = await startAppWithDevIdp('platform', { SEED_DEMO: 'true' });
  });
  afterAll(() => t.close());

  it('declares who may call every route', () => {
    expect(routeTable(t)).toEqual({
      'GET /health': 'public',
      'GET /health/ready': 'public',
      'GET /edge/auth': 'public',
      'GET /edge/routes': 'edge',
      'POST /edge/tickets': 'authenticated',
      'GET /tenants/:slug/activity': 'tenant:tenant.read',
      'GET /users/me': 'authenticated',
      'POST /tenants': 'authenticated',
      'GET /tenants': 'authenticated',
      'GET /tenants/:slug': 'tenant:tenant.read',
      'PATCH /tenants/:slug': 'tenant:tenant.update',
      'POST /tenants/:slug/suspend': 'operator:tenant',
      'POST /tenants/:slug/resume': 'operator:tenant',
      'POST /tenants/:slug/approve': 'operator:tenant',
      'POST /tenants/:slug/reject': 'operator:tenant',
      'POST /tenants/:slug/terminate': 'operator:tenant',
      'GET /approvals': 'operator',
      'GET /system/settings': 'operator',
      'PATCH /system/settings': 'operator',
      'GET /tenants/:slug/members': 'tenant:members.read',
      'POST /tenants/:slug/members': 'tenant:members.manage',
      'PATCH /tenants/:slug/members/:userId': 'tenant:members.manage',
      'DELETE /tenants/:slug/members/:userId': 'tenant:members.manage',
      'GET /tenants/:slug/domains': 'tenant:tenant.read',
      'POST /tenants/:slug/domains': 'tenant:tenant.update',
      'POST /tenants/:slug/domains/:domain/verify': 'tenant:tenant.update',
      'DELETE /tenants/:slug/domains/:domain': 'tenant:tenant.update',
      'GET /tenants/:slug/subscription': 'tenant:subscription.read',
      'PATCH /tenants/:slug/subscription': 'operator:tenant',
      'GET /audit': 'operator',
      'GET /events/stream': 'authenticated',
      'POST /tenants/:slug/reconcile': 'tenant:tenant.reconcile+machine',
      'POST /reconcile': 'machine+operator',
      'GET /tenants/:slug/workspace': 'tenant:tenant.read',
      'GET /tenants/:slug/workspace/logs': 'tenant:workspace.logs',
      'GET /tenants/:slug/workspace/logs/stream': 'tenant:workspace.logs',
      'GET /tenants/:slug/workspace/usage': 'tenant:tenant.read',
      'POST /tenants/:slug/workspace/start': 'tenant:workspace.manage',
      'POST /tenants/:slug/workspace/restart': 'tenant:workspace.manage',
      'POST /tenants/:slug/workspace/stop': 'tenant:workspace.manage',
      'POST /tenants/:slug/workspace/repair': 'operator:tenant',
      'GET /tenants/:slug/workspace/move': 'operator:tenant',
      'POST /tenants/:slug/workspace/move': 'operator:tenant',
      'GET /plans': 'authenticated',
      'GET /system/plans': 'operator',
      'PATCH /system/plans/:key': 'operator',
      'POST /system/plans/:key/archive': 'operator',
      'POST /system/plans/:key/restore': 'operator',
      'GET /flags': 'operator',
      'POST /flags': 'operator',
      'POST /flags/evaluate': 'authenticated',
      'POST /flags/preview': 'operator',
      'GET /system/overview': 'operator',
      'GET /flags/:key': 'operator',
      'PATCH /flags/:key': 'operator',
      'DELETE /flags/:key': 'operator',
      'GET /system/health': 'operator',
      'POST /partners': 'operator',
      'GET /partners': 'operator',
      'GET /partners/:partner': 'partner:partner.read',
      'PATCH /partners/:partner': 'partner:operator',
      'DELETE /partners/:partner': 'partner:operator',
      'PATCH /partners/:partner/settings': 'partner:partner.settings.manage',
      'PATCH /partners/:partner/branding': 'partner:partner.settings.manage',
      'GET /partners/:partner/alerts': 'partner:partner.read',
      'GET /partners/:partner/tenants': 'partner:partner.read',
      'POST /partners/:partner/tenants': 'partner:partner.tenants.manage',
      'GET /partners/:partner/tenants/:slug': 'partner:partner.read',
      'PATCH /partners/:partner/tenants/:slug': 'partner:partner.tenants.manage',
      'POST /partners/:partner/tenants/:slug/suspend': 'partner:partner.tenants.manage',
      'POST /partners/:partner/tenants/:slug/resume': 'partner:partner.tenants.manage',
      'GET /partners/:partner/team': 'partner:partner.read',
      'POST /partners/:partner/team': 'partner:partner.team.manage',
      'PATCH /partners/:partner/team/:userId': 'partner:partner.team.manage',
      'DELETE /partners/:partner/team/:userId': 'partner:partner.team.manage',
      'PUT /tenants/:slug/partner': 'operator:tenant',
      'DELETE /tenants/:slug/partner': 'operator:tenant',
      'GET /tenants/:slug/branding': 'tenant:tenant.read',
      'POST /tenants/:slug/support-access': 'operator:tenant',
      'GET /tenants/:slug/support-access': 'tenant:tenant.read',
      'POST /tenants/:slug/support-access/:id/approve': 'tenant:support.manage',
      'POST /tenants/:slug/support-access/:id/deny': 'tenant:support.manage',
      'POST /tenants/:slug/support-access/:id/revoke': 'tenant:support.manage',
      'GET /incidents': 'operator',
      'GET /incidents/:id': 'operator',
      'POST /incidents/:id/acknowledge': 'operator',
      'POST /incidents/:id/resolve': 'operator',
      'POST /incidents/:id/actions': 'operator',
      'GET /tenants/:slug/incidents': 'tenant:tenant.read',
      'GET /nodes': 'operator',
      'POST /nodes/:id/cordon': 'operator',
      'POST /nodes/:id/drain': 'operator',
      'POST /nodes/:id/uncordon': 'operator',
      'GET /people': 'operator',
      'GET /people/:id': 'operator',
      'POST /people/:id/disable': 'operator',
      'POST /people/:id/enable': 'operator',
      'POST /people/:id/admin': 'operator',
      'DELETE /people/:id/admin': 'operator',
      'GET /system/platform-backups': 'operator',
      'POST /system/platform-backups': 'operator',
      'GET /tenants/:slug/backups': 'tenant:tenant.read',
      'POST /tenants/:slug/backups': 'tenant:backups.manage',
      'POST /tenants/:slug/backups/:id/restore': 'tenant:backups.manage',
      'POST /tenants/:slug/backups/:id/restore-new-tenant': 'operator:tenant',
      'GET /tenants/:slug/webhooks': 'tenant:notifications.manage',
      'POST /tenants/:slug/webhooks': 'tenant:notifications.manage',
      'POST /tenants/:slug/webhooks/:id/disable': 'tenant:notifications.manage',
      'POST /tenants/:slug/webhooks/:id/rotate-secret': 'tenant:notifications.manage',
      'GET /tenants/:slug/webhooks/:id/deliveries': 'tenant:notifications.manage',
      'GET /partners/:partner/webhooks': 'partner:partner.settings.manage',
      'POST /partners/:partner/webhooks': 'partner:partner.settings.manage',
      'POST /partners/:partner/webhooks/:id/disable': 'partner:partner.settings.manage',
      'POST /partners/:partner/webhooks/:id/rotate-secret': 'partner:partner.settings.manage',
      'GET /partners/:partner/webhooks/:id/deliveries': 'partner:partner.settings.manage',
      'GET /system/webhooks': 'operator',
      'POST /system/webhooks': 'operator',
      'POST /system/webhooks/:id/disable': 'operator',
      'POST /system/webhooks/:id/rotate-secret': 'operator',
      'GET /system/webhooks/:id/deliveries': 'operator',
      'GET /users/me/notification-preferences': 'authenticated',
      'PUT /users/me/notification-preferences': 'authenticated',
    });
  });

  it('seeds the default tenant and the demo tenants, once', async () => {
    const operator = await person(t, 'opal', 'operator', ['platform-admins']);
    const list = await t.http().get('/tenants?pageSize=100').set('authorization', `Bearer ${operator}`).expect(200);
    expect(list.body.items.map((x: { slug: string }) => x.slug).sort()).toEqual(['default', 'globex', 'initech', 'northwind']);
    expect(list.body.items.filter((x: { partnerId: string | null }) => x.partnerId).map((x: { slug: string }) => x.slug).sort()).toEqual(['globex', 'northwind']);
    const globex = await t.http().get('/tenants/globex/subscription').set('authorization', `Bearer ${operator}`).expect(200);
    expect(globex.body.status).toBe('past_due');
  });

  it('refuses to move a workspace off a single engine with a sentence, and changes nothing', async () => {
    const operator = await person(t, 'otto', 'operator', ['platform-admins']);
    const refused = await t.http().post('/tenants/globex/workspace/move').set('authorization', `Bearer ${operator}`).send({ node: 'anywhere', reason: 'No Swarm here' }).expect(409);
    expect(refused.body.message).toMatch(/no other node to move a workspace to\. Moving needs a Docker Swarm \(CONTAINER_RUNTIME=swarm\)\.$/);
    const targets = await t.http().get('/tenants/globex/workspace/move').set('authorization', `Bearer ${operator}`).expect(200);
    expect(targets.body).toMatchObject({ slug: 'globex', current: null, nodes: [], blocked: expect.stringContaining('CONTAINER_RUNTIME=swarm') });
    const audit = await t.http().get('/audit?action=workspace.move').set('authorization', `Bearer ${operator}`).expect(200);
    expect(audit.body.items).toEqual([]);
  });

  it('bootstraps memberships from tenant groups when a user is first seen, and only then', async () => {
    const first = await person(t, 'nina', 'portal', ['tenant:northwind:admin', 'tenant:nowhere', 'unrelated']);
    const me = await t.http().get('/users/me').set('authorization', `Bearer ${first}`).expect(200);
    expect(me.body.memberships).toEqual([expect.objectContaining({ tenantSlug: 'northwind', role: 'admin' })]);
    const { body: found } = await t.idp.admin('GET', '/core/users/?username=nina');
    await t.idp.addToGroups((found as { results: { pk: number }[] }).results[0]!.pk, ['tenant:globex:owner']);
    const later = await t.idp.accessToken('nina', 'portal');
    const again = await t.http().get('/users/me').set('authorization', `Bearer ${later}`).expect(200);
    expect(again.body.memberships.map((m: { tenantSlug: string }) => m.tenantSlug)).toEqual(['northwind']);
  });

  it('GET /users/me creates the user, updates it when claims change, and writes nothing otherwise', async () => {
    const users = t.app.get<Model<User>>(getModelToken(User.name));
    const pk = await t.idp.createPerson('uma', { name: 'Uma' });
    const first = await t.http().get('/users/me').set('authorization', `Bearer ${await t.idp.accessToken('uma', 'portal')}`).expect(200);
    const created = await users.findOne({ subject: first.body.subject }).orFail();
    await t.http().get('/users/me').set('authorization', `Bearer ${await t.idp.accessToken('uma', 'portal')}`).expect(200);
    const unchanged = await users.findOne({ subject: first.body.subject }).orFail();
    expect(unchanged.updatedAt.getTime()).toBe(created.updatedAt.getTime());
    await t.idp.admin('PATCH', `/core/users/${pk}/`, { name: 'Uma Thurman' });
    const renamed = await t.http().get('/users/me').set('authorization', `Bearer ${await t.idp.accessToken('uma', 'portal')}`).expect(200);
    expect(renamed.body.name).toBe('Uma Thurman');
    const updated = await users.findOne({ subject: first.body.subject }).orFail();
    expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
  });

  it('answers GET /users/me with 403 for a machine token, which has no user', async () => {
    await t.http().get('/users/me').set('authorization', `Bearer ${await t.idp.machineToken()}`).expect(403);
    await t.http().get('/users/me').set('authorization', 'Bearer not-a-jwt').expect(401);
  });

  it('puts a request id on every answer and in error bodies, taking a sane one from the caller', async () => {
    const given = await t.http().get('/tenants').set('x-request-id', 'trace-12345678').expect(401);
    expect(given.headers['x-request-id']).toBe('trace-12345678');
    expect(given.body.requestId).toBe('trace-12345678');
    const invented = await t.http().get('/health').set('x-request-id', 'bad id with spaces').expect(200);
    expect(invented.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers the health probes without a token', async () => {
    await t.http().get('/health').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.details.database.status).toBe('up');
  });

  it('serves the OpenAPI document generated from the DTOs', async () => {
    const document = await t.http().get('/docs-json').expect(200);
    expect(document.body.components.schemas.CreateTenantDto.properties).toHaveProperty('slug');
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/tenants', '/tenants/{slug}', '/audit']));
  });

  it('answers 404 in the common error shape for a route that does not exist', async () => {
    const response = await t.http().get('/nothing-here').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const owner = await person(t, 'olga');
    const response = await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).set('content-type', 'application/json').send('{"slug":').expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });
});

describe('the audit trail', () => {
  let t: DevIdpApp;
  let operator: string;
  let owner: string;
  let operatorSubject: string;
  let ownerSubject: string;

  beforeAll(async () => {
    t = await startAppWithDevIdp('audit');
    operator = await person(t, 'opal', 'operator', ['platform-admins']);
    owner = await person(t, 'olivia');
    operatorSubject = (await t.http().get('/users/me').set('authorization', `Bearer ${operator}`).expect(200)).body.subject;
    ownerSubject = (await t.http().get('/users/me').set('authorization', `Bearer ${owner}`).expect(200)).body.subject;
  });
  afterAll(() => t.close());

  const audit = (query = '') => t.http().get(`/audit${query}`).set('authorization', `Bearer ${operator}`);

  it('writes exactly one event per mutation, with actor, target, changes and request id', async () => {
    const before = (await audit().expect(200)).body.total;
    const created = await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug: 'audited', name: 'Audited' }).expect(201);
    await provisioned(t, 'audited', owner);
    const updated = await t.http().patch('/tenants/audited').set('authorization', `Bearer ${owner}`).send({ name: 'Audited Ltd', industry: 'law' }).expect(200);
    const page = (await audit().expect(200)).body;
    expect(page.total).toBe(before + 2);
    const [update, create] = page.items;
    expect(create).toMatchObject({
      action: 'tenant.create',
      requestId: created.headers['x-request-id'],
      actor: { kind: 'user', subject: ownerSubject },
      target: { type: 'tenant', id: created.body.id },
      tenantId: created.body.id,
    });
    expect(update).toMatchObject({
      action: 'tenant.update',
      requestId: updated.headers['x-request-id'],
      changes: { name: { from: 'Audited', to: 'Audited Ltd' }, industry: { from: null, to: 'law' } },
    });
  });

  it('writes no event for a refused mutation', async () => {
    const before = (await audit().expect(200)).body.total;
    await t.http().post('/tenants/audited/suspend').set('authorization', `Bearer ${owner}`).expect(403);
    await t.http().patch('/tenants/audited').set('authorization', `Bearer ${owner}`).send({ brandColor: 'red' }).expect(400);
    expect((await audit().expect(200)).body.total).toBe(before);
  });

  it('records an operator as an operator, with the reason given', async () => {
    await t.http().post('/tenants/audited/suspend').set('authorization', `Bearer ${operator}`).send({ reason: 'Chargeback' }).expect(200);
    const [event] = (await audit('?action=tenant.suspend').expect(200)).body.items;
    expect(event).toMatchObject({
      actor: { kind: 'operator', subject: operatorSubject },
      changes: { status: { from: 'active', to: 'suspended' } },
      reason: 'Chargeback',
    });
  });

  it('filters by tenant, actor, action and time, and pages', async () => {
    expect((await audit('?tenant=audited').expect(200)).body.total).toBe(3);
    const byOperator = (await audit(`?actor=${operatorSubject}`).expect(200)).body;
    expect(byOperator.total).toBeGreaterThan(0);
    expect(byOperator.items.every((e: { actor: { subject: string } }) => e.actor.subject === operatorSubject)).toBe(true);
    expect((await audit('?tenant=audited&action=tenant.update').expect(200)).body.total).toBe(1);
    expect((await audit('?tenant=nope').expect(200)).body.total).toBe(0);
    expect((await audit(`?from=${new Date(Date.now() + 60_000).toISOString()}`).expect(200)).body.total).toBe(0);
    const paged = (await audit('?tenant=audited&pageSize=2&page=2').expect(200)).body;
    expect(paged).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(paged.items).toHaveLength(1);
  });

  it('answers 400 to a bad time, 403 to a non-operator and 401 without a token', async () => {
    await audit('?from=yesterday').expect(400);
    await t.http().get('/audit').set('authorization', `Bearer ${owner}`).expect(403);
    await t.http().get('/audit').expect(401);
  });
});

describe('rate limiting of mutations', () => {
  let t: DevIdpApp;

  beforeAll(async () => {
    t = await startAppWithDevIdp('ratelimit', { RATE_LIMIT_MUTATIONS_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once an actor exceeds the limit, and leaves reads and other actors alone', async () => {
    const busy = await person(t, 'busy');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await t.http().post('/tenants').set('authorization', `Bearer ${busy}`).send({ slug: `busy-${i}`, name: 'Busy' })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const limited = await t.http().post('/tenants').set('authorization', `Bearer ${busy}`).send({ slug: 'busy-9', name: 'Busy' }).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http().get('/tenants').set('authorization', `Bearer ${busy}`).expect(200);
    await t.http().post('/tenants').set('authorization', `Bearer ${await person(t, 'calm')}`).send({ slug: 'calm', name: 'Calm' }).expect(201);
  });
});
