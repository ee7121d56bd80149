import { UsersRepository } from '../../src/users/users.repository';
import { caller, startAppWithDevIdp } from '../support/app';
import { edgeClient } from '../support/edge';

/**
 * Disabling a person, over HTTP with real tokens from dev-idp. There is no
 * route for it yet: the test disables through the users repository, the one
 * write path a route will use, so what it proves is the refusal and its bound.
 */
describe('a disabled person', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithDevIdp('people', { BASE_DOMAIN: 'tessera.test', EDGE_LOGIN_URL: 'https://portal.tessera.test/workspace-login' });
    await t.idp.createPerson('dora');
    bearer['dora'] = await t.idp.accessToken('dora', 'portal');
  });
  afterAll(() => t.close());

  it('is refused by the API on the very next request of the same process (the cached user is dropped), and let back in when re-enabled', async () => {
    const id = (await call('get', '/users/me', 'dora').expect(200)).body.id as string;
    // The user is now in the process's read cache (5 s): disabling must not wait for it to expire.
    const users = t.app.get(UsersRepository);
    await users.setDisabled(id, t.clock.now());
    const refused = await call('get', '/users/me', 'dora').expect(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_DISABLED' });
    expect(refused.body.message).toMatch(/disabled/);
    await call('post', '/tenants', 'dora', { slug: 'doras', name: 'Dora' }).expect(403);

    await users.setDisabled(id, null);
    await call('get', '/users/me', 'dora').expect(200);
  });

  it("is refused by the edge's forwardAuth with their workspace cookie on the next request, and let back in when re-enabled", async () => {
    const id = (await call('get', '/users/me', 'dora').expect(200)).body.id as string;
    await call('post', '/tenants', 'dora', { slug: 'doras-place', name: "Dora's Place" }).expect(201);
    const { ask, signIn, cookieOf } = edgeClient(t);
    const cookie = cookieOf(await signIn(bearer['dora']!, 'https://doras-place.tessera.test/'));
    // Setting up finishes in the background: the edge answers 'Being set up' (503) or lets through (200), both only to someone it let past identity and role.
    const accepted = async () => {
      const answer = await ask('doras-place.tessera.test', { cookie, html: false });
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) expect(answer.body.title).toBe('Being set up');
    };
    await accepted();

    const users = t.app.get(UsersRepository);
    await users.setDisabled(id, t.clock.now());
    const refused = await ask('doras-place.tessera.test', { cookie }).expect(403);
    expect(refused.text).toContain('Account disabled');

    await users.setDisabled(id, null);
    await accepted();
  });
});
