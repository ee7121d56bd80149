import { DevIdpProcess, dropDatabase, testDatabaseUri } from '@tessera/testing';

describe("dev-idp's Authentik-shaped admin API", () => {
  const database = testDatabaseUri('idp_admin');
  let idp: DevIdpProcess;

  beforeAll(async () => {
    idp = await DevIdpProcess.start(database, { seedDemo: true });
  });
  afterAll(async () => {
    await idp.stop();
    await dropDatabase(database);
  });

  it('answers 403 without the bearer token, as Authentik does', async () => {
    const response = await fetch(`${idp.origin}/api/v3/core/groups/`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('lists groups by name in a paginated answer, with members', async () => {
    const { status, body } = await idp.admin('GET', '/core/groups/?name=platform-admins');
    expect(status).toBe(200);
    const page = body as { pagination: { count: number }; results: { name: string; pk: string; users: number[]; users_obj: { username: string }[] }[] };
    expect(page.pagination.count).toBe(1);
    expect(page.results[0]).toMatchObject({ name: 'platform-admins', users_obj: [expect.objectContaining({ username: 'opal' })] });
    expect(page.results[0]!.pk).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates a group, refuses a duplicate with a field error, and deletes it', async () => {
    const created = await idp.admin('POST', '/core/groups/', { name: 'tenant:new', attributes: { tessera_tenant_slug: 'new' } });
    expect(created.status).toBe(201);
    expect(await idp.admin('POST', '/core/groups/', { name: 'tenant:new' })).toEqual({ status: 400, body: { name: ['group with this name already exists.'] } });
    const pk = (created.body as { pk: string }).pk;
    expect((await idp.admin('DELETE', `/core/groups/${pk}/`)).status).toBe(204);
    expect(await idp.admin('DELETE', `/core/groups/${pk}/`)).toEqual({ status: 404, body: { detail: 'No Group matches the given query.' } });
  });

  it('adds and removes a user, by pk', async () => {
    const group = (await idp.admin('POST', '/core/groups/', { name: 'tenant:members' })).body as { pk: string };
    const nora = ((await idp.admin('GET', '/core/users/?username=nora')).body as { results: { pk: number }[] }).results[0]!;
    expect((await idp.admin('POST', `/core/groups/${group.pk}/add_user/`, { pk: nora.pk })).status).toBe(204);
    expect(((await idp.admin('GET', `/core/groups/${group.pk}/`)).body as { users: number[] }).users).toEqual([nora.pk]);
    expect((await idp.admin('POST', `/core/groups/${group.pk}/remove_user/`, { pk: nora.pk })).status).toBe(204);
    expect(((await idp.admin('GET', `/core/groups/${group.pk}/`)).body as { users: number[] }).users).toEqual([]);
    expect((await idp.admin('POST', `/core/groups/${group.pk}/add_user/`, { pk: 99999 })).status).toBe(404);
  });

  it('lists users by username or email, and creates one', async () => {
    const byEmail = (await idp.admin('GET', '/core/users/?email=CAROL@northwind.test')).body as { results: { username: string; uid: string }[] };
    expect(byEmail.results.map((u) => u.username)).toEqual(['carol']);
    const created = await idp.admin('POST', '/core/users/', { username: 'invitee@example.test', name: 'Invitee', email: 'invitee@example.test' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'invitee@example.test', is_active: true, groups: [] });
    expect((await idp.admin('POST', '/core/users/', { username: 'invitee@example.test', name: 'Again' })).status).toBe(400);
  });

  it("lists a user's authenticator devices as a plain array", async () => {
    const opal = ((await idp.admin('GET', '/core/users/?username=opal')).body as { results: { pk: number }[] }).results[0]!;
    const { body } = await idp.admin('GET', `/authenticators/admin/all/?user=${opal.pk}`);
    expect(body).toEqual([
      expect.objectContaining({ name: 'Phone', confirmed: true, meta_model_name: 'authentik_stages_authenticator_totp.totpdevice' }),
      expect.objectContaining({ name: 'Security key', confirmed: true }),
    ]);
  });
});

describe("dev-idp's admin API under concurrent creates", () => {
  const database = testDatabaseUri('idp_admin_concurrent');
  let idp: DevIdpProcess;

  beforeAll(async () => {
    // No demo accounts: the first group and user of this database are the ones created at once below.
    idp = await DevIdpProcess.start(database);
  });
  afterAll(async () => {
    await idp.stop();
    await dropDatabase(database);
  });

  it('creates ten groups and ten users at once on a fresh database, each with a number of its own', async () => {
    const [groups, users] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, (_, index) => idp.admin('POST', '/core/groups/', { name: `tenant:at-once-${index}` }))),
      Promise.all(Array.from({ length: 10 }, (_, index) => idp.admin('POST', '/core/users/', { username: `at-once-${index}`, name: `At once ${index}` }))),
    ]);
    expect([...groups, ...users].map((answer) => answer.status)).toEqual(Array(20).fill(201));
    expect(new Set(groups.map((answer) => (answer.body as { num_pk: number }).num_pk)).size).toBe(10);
    expect(new Set(users.map((answer) => (answer.body as { pk: number }).pk)).size).toBe(10);
  });
});
