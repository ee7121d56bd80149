import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { MongoClient, type Collection, type Db } from 'mongodb';

/**
 * Accounts, groups and authenticator devices, kept in their own database so
 * they survive restarts. Field names follow Authentik's API, so the admin API
 * can hand records out nearly as they are.
 */
export interface UserRecord {
  pk: number;
  uid: string;
  uuid: string;
  username: string;
  name: string;
  email: string;
  password_hash: string | null;
  is_active: boolean;
  attributes: Record<string, unknown>;
  path: string;
  type: 'internal' | 'external' | 'service_account';
  date_joined: Date;
  last_login: Date | null;
  password_change_date: Date;
  last_updated: Date;
}

export interface GroupRecord {
  pk: string;
  num_pk: number;
  name: string;
  is_superuser: boolean;
  attributes: Record<string, unknown>;
  users: number[];
}

export interface DeviceRecord {
  pk: string;
  user: number;
  name: string;
  /** Authentik's model name, e.g. `authentik_stages_authenticator_totp.totpdevice`. */
  type: string;
  confirmed: boolean;
  created: Date;
  last_updated: Date;
  last_used: Date | null;
}

export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Inserts a copy of the record; a unique-index clash (a concurrent create) becomes the given error. */
async function insertUnique<T extends object>(collection: Collection<T>, record: T, clash: () => DirectoryError): Promise<void> {
  try {
    await collection.insertOne({ ...record } as Parameters<Collection<T>['insertOne']>[0]);
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code === 11000) throw clash();
    throw error;
  }
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

function passwordMatches(password: string, stored: string | null): boolean {
  const [scheme, salt, hash] = stored?.split('$') ?? [];
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64'), expected.length), expected);
}

export class Directory {
  readonly users: Collection<UserRecord>;
  /** Stored with `_id` = the group's pk: FerretDB v1 serves `_id` lookups from its primary key but scans for other fields. */
  readonly groups: Collection<GroupRecord & { _id?: string }>;
  readonly devices: Collection<DeviceRecord>;
  private readonly counters: Collection<{ _id: string; seq: number }>;
  private readonly settings: Collection<{ _id: string; value: unknown }>;
  /** nextPk's calls, one after another. */
  private pkQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: MongoClient,
    db: Db,
  ) {
    this.users = db.collection('users');
    this.groups = db.collection('groups');
    this.devices = db.collection('devices');
    this.counters = db.collection('counters');
    this.settings = db.collection('settings');
  }

  static async open(uri: string): Promise<Directory> {
    const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 }).connect();
    const directory = new Directory(client, client.db());
    await directory.users.createIndex({ username: 1 }, { unique: true });
    await directory.users.createIndex({ pk: 1 }, { unique: true });
    await directory.users.createIndex({ uid: 1 }, { unique: true });
    await directory.users.createIndex({ email: 1 });
    await directory.groups.createIndex({ name: 1 }, { unique: true });
    await directory.groups.createIndex({ pk: 1 }, { unique: true });
    await directory.devices.createIndex({ user: 1 });
    await directory.keyGroupsByPk();
    return directory;
  }

  /** Groups stored before `_id` carried their pk get it now (a one-off for older local data). */
  private async keyGroupsByPk(): Promise<void> {
    for (const group of await this.groups.find({}).toArray()) {
      if (group._id === group.pk) continue;
      const { _id, ...record } = group;
      await this.groups.deleteOne({ _id });
      await this.groups.insertOne({ ...record, _id: record.pk });
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** A value kept across restarts (the signing key), made once by `create`. */
  async setting<T>(id: string, create: () => Promise<T>): Promise<T> {
    const existing = await this.settings.findOne({ _id: id });
    if (existing) return existing.value as T;
    const value = await create();
    try {
      await this.settings.insertOne({ _id: id, value });
      return value;
    } catch {
      return (await this.settings.findOne({ _id: id }))?.value as T;
    }
  }

  /**
   * The next number of a kind, one at a time in this process: two upserts of
   * a counter not yet stored, at once, make the database refuse one with a
   * duplicate key (E11000; seen in CI when a test created a person while the
   * API made its groups), and FerretDB v1 can lose one of two concurrent
   * increments. Another process's upsert can still meet ours: that is tried
   * again, on the counter now stored.
   */
  private nextPk(kind: string): Promise<number> {
    const next = this.pkQueue.then(async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const counter = await this.counters.findOneAndUpdate({ _id: kind }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
          return counter?.seq ?? 1;
        } catch (error: unknown) {
          if ((error as { code?: unknown }).code !== 11000 || attempt >= 3) throw error;
        }
      }
    });
    this.pkQueue = next.catch(() => undefined);
    return next;
  }

  async createUser(input: { username: string; name: string; email?: string; password?: string; isActive?: boolean; attributes?: Record<string, unknown>; type?: UserRecord['type'] }): Promise<UserRecord> {
    if (!input.username) throw new DirectoryError(400, 'This field is required.', 'username');
    if (await this.users.findOne({ username: input.username })) {
      throw new DirectoryError(400, 'A user with that username already exists.', 'username');
    }
    const pk = await this.nextPk('users');
    const now = new Date();
    const user: UserRecord = {
      pk,
      uid: createHash('sha256').update(`tessera-dev-idp:${pk}:${input.username}`).digest('hex'),
      uuid: randomUUID(),
      username: input.username,
      name: input.name,
      email: (input.email ?? '').toLowerCase(),
      password_hash: input.password ? hashPassword(input.password) : null,
      is_active: input.isActive ?? true,
      attributes: input.attributes ?? {},
      path: 'users',
      type: input.type ?? 'internal',
      date_joined: now,
      last_login: null,
      password_change_date: now,
      last_updated: now,
    };
    await insertUnique(this.users, user, () => new DirectoryError(400, 'A user with that username already exists.', 'username'));
    return user;
  }

  /** The active user with that username and password, or null. */
  async authenticate(username: string, password: string): Promise<UserRecord | null> {
    const user = await this.users.findOne({ username }, { projection: { _id: 0 } });
    if (!user || !user.is_active || !passwordMatches(password, user.password_hash)) return null;
    await this.users.updateOne({ pk: user.pk }, { $set: { last_login: new Date() } });
    return user;
  }

  async updateUser(userPk: number, changes: Partial<Pick<UserRecord, 'name' | 'email' | 'is_active'>>): Promise<UserRecord> {
    // FerretDB v1 has no projection on findAndModify: update, then read.
    const result = await this.users.updateOne({ pk: userPk }, { $set: { ...changes, last_updated: new Date() } });
    const user = result.matchedCount ? await this.users.findOne({ pk: userPk }, { projection: { _id: 0 } }) : null;
    if (!user) throw new DirectoryError(404, 'No User matches the given query.');
    return user;
  }

  async setPassword(userPk: number, password: string): Promise<void> {
    const now = new Date();
    const result = await this.users.updateOne({ pk: userPk }, { $set: { password_hash: hashPassword(password), password_change_date: now, last_updated: now } });
    if (result.matchedCount === 0) throw new DirectoryError(404, 'No User matches the given query.');
  }

  findUserByUid(uid: string): Promise<UserRecord | null> {
    return this.users.findOne({ uid }, { projection: { _id: 0 } });
  }

  groupsOf(userPk: number): Promise<GroupRecord[]> {
    return this.groups.find({ users: userPk }, { projection: { _id: 0 } }).sort({ name: 1 }).toArray();
  }

  async createGroup(input: { name: string; attributes?: Record<string, unknown>; isSuperuser?: boolean; users?: number[] }): Promise<GroupRecord> {
    if (!input.name) throw new DirectoryError(400, 'This field is required.', 'name');
    if (await this.groups.findOne({ name: input.name })) throw new DirectoryError(400, 'group with this name already exists.', 'name');
    const group: GroupRecord = {
      pk: randomUUID(),
      num_pk: await this.nextPk('groups'),
      name: input.name,
      is_superuser: input.isSuperuser ?? false,
      attributes: input.attributes ?? {},
      users: input.users ?? [],
    };
    await insertUnique(this.groups, { _id: group.pk, ...group }, () => new DirectoryError(400, 'group with this name already exists.', 'name'));
    return group;
  }

  async findGroup(pk: string): Promise<GroupRecord> {
    const group = await this.groups.findOne({ _id: pk }, { projection: { _id: 0 } });
    if (!group) throw new DirectoryError(404, 'No Group matches the given query.');
    return group;
  }

  async updateGroup(pk: string, changes: Partial<Pick<GroupRecord, 'name' | 'attributes' | 'is_superuser' | 'users'>>): Promise<GroupRecord> {
    const group = await this.findGroup(pk);
    if (changes.name && changes.name !== group.name && (await this.groups.findOne({ name: changes.name }))) {
      throw new DirectoryError(400, 'group with this name already exists.', 'name');
    }
    await this.groups.updateOne(this.groupKey(group), { $set: changes });
    return this.findGroup(pk);
  }

  async deleteGroup(pk: string): Promise<void> {
    await this.groups.deleteOne(this.groupKey(await this.findGroup(pk)));
  }

  async setMembership(groupPk: string, userPk: number, member: boolean): Promise<void> {
    const group = await this.findGroup(groupPk);
    if (!(await this.users.findOne({ pk: userPk }))) throw new DirectoryError(404, 'No User matches the given query.');
    await this.groups.updateOne(this.groupKey(group), member ? { $addToSet: { users: userPk } } : { $pull: { users: userPk } });
  }

  private groupKey(group: GroupRecord): { _id: string } {
    return { _id: group.pk };
  }

  async addDevice(userPk: number, device: { name: string; type: string; confirmed: boolean; lastUsed?: Date | null }): Promise<void> {
    const now = new Date();
    await this.devices.insertOne({ pk: String(await this.nextPk('devices')), user: userPk, name: device.name, type: device.type, confirmed: device.confirmed, created: now, last_updated: now, last_used: device.lastUsed ?? null });
  }
}
