import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { type Directory, DirectoryError, type DeviceRecord, type GroupRecord, type UserRecord } from './directory.js';

/**
 * The part of Authentik's admin API (`/api/v3/`) that Tessera uses, with the
 * same paths, status codes and JSON shapes, behind a bearer token.
 */
export class AdminApi {
  constructor(
    private readonly directory: Directory,
    private readonly token: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorized(req.headers.authorization)) {
        return send(res, 403, { detail: 'Authentication credentials were not provided.' });
      }
      const url = new URL(req.url ?? '/', 'http://dev-idp');
      const path = url.pathname.replace(/^\/api\/v3/, '');
      const method = req.method ?? 'GET';
      const query = url.searchParams;
      let match: RegExpExecArray | null;

      if (path === '/core/groups/' && method === 'GET') return send(res, 200, await this.listGroups(query));
      if (path === '/core/groups/' && method === 'POST') {
        const body = await readJson(req);
        const group = await this.directory.createGroup({
          name: stringField(body, 'name'),
          attributes: objectField(body, 'attributes'),
          isSuperuser: body['is_superuser'] === true,
          users: Array.isArray(body['users']) ? body['users'].filter((pk): pk is number => typeof pk === 'number') : [],
        });
        return send(res, 201, await this.groupJson(group, false));
      }
      if ((match = /^\/core\/groups\/([0-9a-f-]{36})\/$/.exec(path))) {
        const pk = match[1]!;
        if (method === 'GET') return send(res, 200, await this.groupJson(await this.directory.findGroup(pk), query.get('include_users') !== 'false'));
        if (method === 'PATCH' || method === 'PUT') {
          const body = await readJson(req);
          const changes: Partial<GroupRecord> = {};
          if ('name' in body) changes.name = stringField(body, 'name');
          if ('attributes' in body) changes.attributes = objectField(body, 'attributes');
          if ('is_superuser' in body) changes.is_superuser = body['is_superuser'] === true;
          if (Array.isArray(body['users'])) changes.users = body['users'].filter((pk): pk is number => typeof pk === 'number');
          return send(res, 200, await this.groupJson(await this.directory.updateGroup(pk, changes), false));
        }
        if (method === 'DELETE') {
          await this.directory.deleteGroup(pk);
          return send(res, 204);
        }
      }
      if ((match = /^\/core\/groups\/([0-9a-f-]{36})\/(add_user|remove_user)\/$/.exec(path)) && method === 'POST') {
        const body = await readJson(req);
        if (typeof body['pk'] !== 'number') throw new DirectoryError(400, 'A valid integer is required.', 'pk');
        await this.directory.setMembership(match[1]!, body['pk'], match[2] === 'add_user');
        return send(res, 204);
      }
      if (path === '/core/users/' && method === 'GET') return send(res, 200, await this.listUsers(query));
      if (path === '/core/users/' && method === 'POST') {
        const body = await readJson(req);
        const user = await this.directory.createUser({
          username: stringField(body, 'username'),
          name: typeof body['name'] === 'string' ? body['name'] : '',
          email: typeof body['email'] === 'string' ? body['email'] : '',
          isActive: body['is_active'] !== false,
          attributes: objectField(body, 'attributes'),
          type: body['type'] === 'service_account' ? 'service_account' : 'internal',
        });
        return send(res, 201, await this.userJson(user));
      }
      if ((match = /^\/core\/users\/(\d+)\/$/.exec(path)) && method === 'PATCH') {
        const body = await readJson(req);
        const changes: Partial<Pick<UserRecord, 'name' | 'email' | 'is_active'>> = {};
        if (typeof body['name'] === 'string') changes.name = body['name'];
        if (typeof body['email'] === 'string') changes.email = body['email'].toLowerCase();
        if (typeof body['is_active'] === 'boolean') changes.is_active = body['is_active'];
        return send(res, 200, await this.userJson(await this.directory.updateUser(Number(match[1]), changes)));
      }
      if ((match = /^\/core\/users\/(\d+)\/set_password\/$/.exec(path)) && method === 'POST') {
        await this.directory.setPassword(Number(match[1]), stringField(await readJson(req), 'password'));
        return send(res, 204);
      }
      if (path === '/authenticators/admin/all/' && method === 'GET') {
        const userPk = Number(query.get('user'));
        const devices = Number.isInteger(userPk) ? await this.directory.devices.find({ user: userPk }, { projection: { _id: 0 } }).toArray() : [];
        return send(res, 200, devices.map(deviceJson));
      }
      return send(res, 404, { detail: 'Not found.' });
    } catch (error: unknown) {
      if (error instanceof DirectoryError) {
        return send(res, error.status, error.status === 400 && error.field ? { [error.field]: [error.message] } : { detail: error.message });
      }
      if (error instanceof SyntaxError) return send(res, 400, { detail: `JSON parse error - ${error.message}` });
      throw error;
    }
  }

  private authorized(header: string | undefined): boolean {
    const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async listGroups(query: URLSearchParams) {
    const filter: Record<string, unknown> = {};
    if (query.get('name')) filter['name'] = query.get('name');
    const groups = await this.directory.groups.find(filter, { projection: { _id: 0 } }).sort({ name: 1 }).toArray();
    const includeUsers = query.get('include_users') !== 'false';
    return paginated(await Promise.all(groups.map((group) => this.groupJson(group, includeUsers))));
  }

  private async listUsers(query: URLSearchParams) {
    const filter: Record<string, unknown> = {};
    if (query.get('username')) filter['username'] = query.get('username');
    if (query.get('email')) filter['email'] = query.get('email')!.toLowerCase();
    if (query.get('uuid')) filter['uuid'] = query.get('uuid');
    const users = await this.directory.users.find(filter, { projection: { _id: 0 } }).sort({ pk: 1 }).toArray();
    return paginated(await Promise.all(users.map((user) => this.userJson(user))));
  }

  private async groupJson(group: GroupRecord, includeUsers: boolean) {
    const members = includeUsers ? await this.directory.users.find({ pk: { $in: group.users } }, { projection: { _id: 0 } }).toArray() : null;
    return {
      pk: group.pk,
      num_pk: group.num_pk,
      name: group.name,
      is_superuser: group.is_superuser,
      parents: [],
      parents_obj: null,
      users: group.users,
      users_obj: members?.map((user) => ({
        pk: user.pk,
        username: user.username,
        name: user.name,
        is_active: user.is_active,
        last_login: user.last_login,
        email: user.email,
        attributes: user.attributes,
        uid: user.uid,
      })) ?? null,
      attributes: group.attributes,
      roles: [],
      roles_obj: [],
      inherited_roles_obj: null,
      children: [],
      children_obj: null,
    };
  }

  private async userJson(user: UserRecord) {
    const groups = await this.directory.groupsOf(user.pk);
    return {
      pk: user.pk,
      username: user.username,
      name: user.name,
      is_active: user.is_active,
      last_login: user.last_login,
      date_joined: user.date_joined,
      is_superuser: groups.some((group) => group.is_superuser),
      groups: groups.map((group) => group.pk),
      groups_obj: groups.map((group) => ({ pk: group.pk, num_pk: group.num_pk, name: group.name, is_superuser: group.is_superuser, attributes: group.attributes })),
      roles: [],
      roles_obj: null,
      email: user.email,
      avatar: '',
      attributes: user.attributes,
      uid: user.uid,
      path: user.path,
      type: user.type,
      uuid: user.uuid,
      password_change_date: user.password_change_date,
      last_updated: user.last_updated,
    };
  }
}

function deviceJson(device: DeviceRecord) {
  const [app = '', model = ''] = device.type.split('.');
  const kind = model.replace(/device$/, '');
  return {
    verbose_name: `${kind.toUpperCase()} Device`,
    verbose_name_plural: `${kind.toUpperCase()} Devices`,
    meta_model_name: device.type,
    pk: device.pk,
    name: device.name,
    type: `${app}.${model}`,
    confirmed: device.confirmed,
    created: device.created,
    last_updated: device.last_updated,
    last_used: device.last_used,
    extra_description: null,
    external_id: null,
  };
}

function paginated<T>(results: T[]) {
  return {
    pagination: { next: 0, previous: 0, count: results.length, current: 1, total_pages: 1, start_index: results.length ? 1 : 0, end_index: results.length },
    results,
    autocomplete: {},
  };
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || !value.trim()) throw new DirectoryError(400, 'This field is required.', name);
  return value;
}

function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = body[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new SyntaxError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('expected a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
