import { Types } from 'mongoose';
import type { VerifiedToken } from '../auth/token-verifier';
import type { Clock } from '../common/clock';
import { loadConfig } from '../config/app-config';
import type { UserDocument } from './user.schema';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const config = loadConfig({
  MONGODB_URI: 'mongodb://localhost/x',
  AUTH_ISSUERS: '[{"issuer":"https://id/","jwksUrl":"https://id/jwks/","audience":"portal"}]',
  AUTH_AUDIENCE_PORTAL: 'p',
  AUTH_AUDIENCE_OPERATOR: 'o',
  AUTH_AUDIENCE_CI: 'c',
  IDENTITY_API_URL: 'http://127.0.0.1:1',
  IDENTITY_API_TOKEN: 'unused',
  EDGE_SESSION_SECRET: 'edge-sessions-in-tests-are-signed-with-this',
});

const token: VerifiedToken = { subject: 'ada', issuer: 'https://id/', audiences: ['portal'], email: 'Ada@Example.test', name: 'Ada', username: 'ada', groups: [] };

/** A repository stub that records writes: the rule under test is "write only on change". */
function setup(stored: Partial<UserDocument> | null, now = new Date('2026-11-23T12:00:00Z')) {
  const writes: string[] = [];
  const user = stored ? ({ _id: new Types.ObjectId(), ...stored } as UserDocument) : null;
  const repository = {
    findBySubject: async () => user,
    insert: async (fields: object) => (writes.push('insert'), { user: { ...fields } as UserDocument, created: true }),
    updateProfile: async (_id: Types.ObjectId, fields: object) => (writes.push('update'), { ...user, ...fields } as UserDocument),
  } as unknown as UsersRepository;
  const clock = { now: () => now } as Clock;
  return { service: new UsersService(repository, config, clock), writes };
}

describe('UsersService.syncFromToken', () => {
  it('creates an unknown user from the claims, with a lower-cased email', async () => {
    const { service, writes } = setup(null);
    const { user, created } = await service.syncFromToken(token);
    expect(created).toBe(true);
    expect(writes).toEqual(['insert']);
    expect(user).toMatchObject({ subject: 'ada', email: 'ada@example.test', name: 'Ada', platformAdmin: false });
  });

  it('writes nothing when the claims are unchanged and the user was seen recently', async () => {
    const { service, writes } = setup({ subject: 'ada', email: 'ada@example.test', name: 'Ada', username: 'ada', lastSeenAt: new Date('2026-11-23T11:30:00Z') });
    await service.syncFromToken(token);
    expect(writes).toEqual([]);
  });

  it('updates the profile when a claim changed', async () => {
    const { service, writes } = setup({ subject: 'ada', email: 'ada@example.test', name: 'Ada L.', username: 'ada', lastSeenAt: new Date('2026-11-23T11:30:00Z') });
    const { user } = await service.syncFromToken(token);
    expect(writes).toEqual(['update']);
    expect(user.name).toBe('Ada');
  });

  it('refreshes lastSeenAt at most hourly', async () => {
    const { service, writes } = setup({ subject: 'ada', email: 'ada@example.test', name: 'Ada', username: 'ada', lastSeenAt: new Date('2026-11-23T10:59:00Z') });
    await service.syncFromToken(token);
    expect(writes).toEqual(['update']);
  });
});

describe('UsersService.recordAppOpened', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const serviceWith = (touched: string[]) =>
    new UsersService({ touch: async (id: string, at: Date) => (touched.push(id), { id, lastSeenAt: at }) } as unknown as UsersRepository, config, { now: () => now } as Clock);
  const user = (lastSeenAt: Date | null) => ({ id: 'u1', lastSeenAt }) as Parameters<UsersService['recordAppOpened']>[0];

  it('records when an app opened once the last sighting is a minute old, and writes nothing within the minute', async () => {
    const touched: string[] = [];
    const service = serviceWith(touched);
    expect((await service.recordAppOpened(user(new Date('2026-11-23T11:58:30Z')))).lastSeenAt).toEqual(now);
    await service.recordAppOpened(user(new Date('2026-11-23T11:59:30Z')));
    await service.recordAppOpened(user(null));
    expect(touched).toEqual(['u1', 'u1']);
  });
});
