import { OcisTestServer, StalwartTestServer } from '@tessera/testing';
import { provisioned, startAppWithDevIdp } from '../support/app';

describe('the mail and files steps, configured', () => {
  const stalwart = new StalwartTestServer('integration-token');
  const ocis = new OcisTestServer('integration-token');
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  let owner: string;

  beforeAll(async () => {
    await stalwart.start();
    await ocis.start();
    t = await startAppWithDevIdp('optional_steps', {
      BASE_DOMAIN: 'tessera.test',
      MAIL_API_URL: stalwart.origin,
      MAIL_API_TOKEN: 'integration-token',
      FILES_API_URL: ocis.origin,
      FILES_API_TOKEN: 'integration-token',
    });
    await t.idp.createPerson('owner');
    owner = await t.idp.accessToken('owner', 'portal');
  });
  afterAll(async () => {
    await t.close();
    await stalwart.stop();
    await ocis.stop();
  });

  it('provisions a mail domain and a file space with the tenant', async () => {
    await t.http().post('/tenants').set('authorization', `Bearer ${owner}`).send({ slug: 'mailed', name: 'Mailed', plan: 'business' }).expect(201);
    const tenant = await provisioned(t, 'mailed', owner);
    expect(tenant.provisioning['mail']).toMatchObject({ state: 'ok' });
    expect(tenant.provisioning['files']).toMatchObject({ state: 'ok' });
    expect(stalwart.principals.has('mailed.tessera.test')).toBe(true);
    // The seeded default tenant gets its space too; this one has the business plan's quota.
    expect([...ocis.drives.values()].find((d) => d.name === 'tessera-mailed')?.quota.total).toBe(100 * 1024 ** 3);
  });

  it('reports and heals a mail domain and a file space removed out of band', async () => {
    stalwart.principals.delete('mailed.tessera.test');
    ocis.removeByName('tessera-mailed');
    const result = await t.http().post('/tenants/mailed/reconcile').set('authorization', `Bearer ${owner}`).expect(200);
    expect(result.body.steps.mail).toEqual({ state: 'ok', drift: ['mail domain missing'] });
    expect(result.body.steps.files).toEqual({ state: 'ok', drift: ['file space missing'] });
    expect(stalwart.principals.has('mailed.tessera.test')).toBe(true);
  });

  it('records an error, and keeps the other steps, when the mail server is down', async () => {
    await stalwart.stop();
    const result = await t.http().post('/tenants/mailed/reconcile').set('authorization', `Bearer ${owner}`).expect(200);
    expect(result.body.steps.mail).toMatchObject({ state: 'error', error: expect.stringContaining('could not be reached') });
    expect(result.body.steps.files.state).toBe('ok');
    expect(result.body.steps.identity.state).toBe('ok');
  });
});
