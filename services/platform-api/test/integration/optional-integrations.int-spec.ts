import { OcisTestServer, StalwartTestServer } from '@tessera/testing';
import { loadConfig } from '../../src/config/app-config';
import { OcisFileSpaces } from '../../src/integrations/files/ocis.adapter';
import { StalwartMailDomains } from '../../src/integrations/mail/stalwart.adapter';

const configFor = (mail: string, files: string, token: string) =>
  loadConfig({
    MONGODB_URI: 'mongodb://127.0.0.1:1/unused',
    AUTH_ISSUERS: '[{"issuer":"http://127.0.0.1:1/","jwksUrl":"http://127.0.0.1:1/jwks/","audience":"portal"}]',
    AUTH_AUDIENCE_PORTAL: 'p',
    AUTH_AUDIENCE_OPERATOR: 'o',
    AUTH_AUDIENCE_CI: 'c',
    IDENTITY_API_URL: 'http://127.0.0.1:1',
    IDENTITY_API_TOKEN: 'x',
    EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
    MAIL_API_URL: mail,
    MAIL_API_TOKEN: token,
    FILES_API_URL: files,
    FILES_API_TOKEN: token,
  });

describe('the mail and files adapters against servers with the real APIs’ shapes', () => {
  const stalwart = new StalwartTestServer('mail-token');
  const ocis = new OcisTestServer('mail-token');
  let mail: StalwartMailDomains;
  let files: OcisFileSpaces;

  beforeAll(async () => {
    await stalwart.start();
    await ocis.start();
    const config = configFor(stalwart.origin, ocis.origin, 'mail-token');
    mail = new StalwartMailDomains(config.mail!);
    files = new OcisFileSpaces(config.files!);
  });
  afterAll(async () => {
    await stalwart.stop();
    await ocis.stop();
  });

  it('creates a mail domain once, as a domain principal, with the bearer token', async () => {
    const first = await mail.ensureDomain('acme.tessera.test', 'Tessera tenant acme');
    const second = await mail.ensureDomain('acme.tessera.test', 'Tessera tenant acme');
    expect(first).toEqual({ handle: '1', created: true });
    expect(second).toEqual({ handle: '1', created: false });
    expect(stalwart.principals.get('acme.tessera.test')).toMatchObject({ type: 'domain', description: 'Tessera tenant acme' });
    expect(stalwart.requests.every((r) => r.authorization === 'Bearer mail-token')).toBe(true);
  });

  it('creates a file space once, as a project drive with the quota', async () => {
    const first = await files.ensureSpace('tessera-acme', 'Files of Acme', 10 * 1024 ** 3);
    const second = await files.ensureSpace('tessera-acme', 'Files of Acme', 10 * 1024 ** 3);
    expect(first.created).toBe(true);
    expect(second).toEqual({ handle: first.handle, created: false });
    expect([...ocis.drives.values()]).toEqual([expect.objectContaining({ name: 'tessera-acme', driveType: 'project', quota: expect.objectContaining({ total: 10 * 1024 ** 3 }) })]);
  });

  it('fails clearly on a wrong token and on a server that is down', async () => {
    const wrong = configFor(stalwart.origin, ocis.origin, 'wrong');
    await expect(new StalwartMailDomains(wrong.mail!).ensureDomain('x.tessera.test', 'x')).rejects.toThrow('Stalwart answered 401');
    await expect(new OcisFileSpaces(wrong.files!).ensureSpace('x', 'x', 1)).rejects.toThrow('ocis answered 401');
    const down = configFor('http://127.0.0.1:1', 'http://127.0.0.1:1', 'mail-token');
    await expect(new StalwartMailDomains(down.mail!).ensureDomain('x.tessera.test', 'x')).rejects.toThrow('could not be reached');
  });
});
