import { OWNER_ONLY_PERMISSIONS, PARTNER_ROLE_PERMISSIONS, ROLE_PERMISSIONS, SUPPORT_ACCESS_PERMISSIONS } from '@tessera/contracts';
import { Types } from 'mongoose';
import type { AccessRule } from '../../src/auth/access.decorator';
import { caller, type Method, startAppWithDevIdp } from '../support/app';
import { describeRule, routesOf, type Route } from '../support/routes';
import { streamStatus } from '../support/sse';

/**
 * Every route, called by eight actors, against what the route's declared rule
 * says each may do. The expectations are computed from the rule, so a new
 * route is checked as soon as it exists, and a route without a rule fails.
 *
 * The cast: tenant A (owned by customer A) is sold by partner P, tenant B
 * (owned by customer B) by partner Q. Every route is addressed at tenant A and
 * partner P.
 */
const ACTORS = ['anonymous', 'customerA', 'customerB', 'partnerP', 'partnerQ', 'operatorTokenNotAdmin', 'ci', 'operator'] as const;
type ActorName = (typeof ACTORS)[number];
type Decision = 'allowed' | 401 | 403;

/**
 * Routes whose service, not the rule, turns away a token that has no user
 * behind it (POST /tenants does too, but only after validating the body, which
 * the probe's body fails).
 */
const NEEDS_A_USER = new Set(['GET /users/me', 'GET /events/stream', 'GET /users/me/notification-preferences']);

/** Routes that answer with a stream that stays open: their status is read from the headers, then the stream is dropped. */
const STREAMS = new Set(['GET /events/stream', 'GET /tenants/:slug/workspace/logs/stream']);

function expected(route: Route, actor: ActorName): Decision {
  const rule = route.rule as AccessRule;
  if (rule.kind === 'public') return 'allowed';
  // Traefik's route source takes no token, only its secret, which no actor here sends.
  if (rule.kind === 'edge') return 401;
  if (actor === 'anonymous') return 401;
  // Without support access, an operator is kept from a tenant's people and workspace, and never decides on grants.
  if (actor === 'operator') return rule.kind === 'tenant' && (SUPPORT_ACCESS_PERMISSIONS.includes(rule.permission) || OWNER_ONLY_PERMISSIONS.includes(rule.permission)) ? 403 : 'allowed';
  switch (rule.kind) {
    case 'authenticated':
      return actor === 'ci' && NEEDS_A_USER.has(`${route.method} ${route.path}`) ? 403 : 'allowed';
    case 'operator':
      return 403;
    case 'machine':
      return actor === 'ci' ? 'allowed' : 403;
    case 'tenant':
      if (actor === 'ci') return rule.orMachine ? 'allowed' : 403;
      return actor === 'customerA' && ROLE_PERMISSIONS.owner.includes(rule.permission) ? 'allowed' : 403;
    case 'partner':
      return actor === 'partnerP' && rule.permission !== null && PARTNER_ROLE_PERMISSIONS.admin.includes(rule.permission) ? 'allowed' : 403;
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
}

describe('the authorization matrix', () => {
  let t: Awaited<ReturnType<typeof startAppWithDevIdp>>;
  const bearer: Record<string, string> = {};
  const call = (...args: Parameters<ReturnType<typeof caller>>) => caller(t, bearer)(...args);

  beforeAll(async () => {
    t = await startAppWithDevIdp('authz_matrix');
    const person = async (name: ActorName, username: string, app: 'portal' | 'operator', groups: string[] = []) => {
      await t.idp.createPerson(username, { groups });
      bearer[name] = await t.idp.accessToken(username, app);
    };
    await person('operator', 'opal', 'operator', ['platform-admins']);
    await person('operatorTokenNotAdmin', 'nadia', 'operator');
    await person('customerA', 'amy', 'portal');
    await person('customerB', 'ben', 'portal');
    bearer['ci'] = await t.idp.machineToken();
    for (const [partner, tenant, owner] of [
      ['matrix-p', 'matrix-a', 'customerA'],
      ['matrix-q', 'matrix-b', 'customerB'],
    ] as const) {
      await call('post', '/partners', 'operator', { slug: partner, name: partner }).expect(201);
      await call('post', '/tenants', owner, { slug: tenant, name: tenant }).expect(201);
      await call('put', `/tenants/${tenant}/partner`, 'operator', { partner }).expect(200);
    }
    // First seen after their partners exist: the group claims put them on the teams.
    await person('partnerP', 'pam', 'portal', ['partner:matrix-p:admin']);
    await person('partnerQ', 'quin', 'portal', ['partner:matrix-q:admin']);
  });
  afterAll(() => t.close());

  it('has a rule on every route', () => {
    const routes = routesOf(t.app);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((route) => !route.rule).map((route) => `${route.method} ${route.path}`)).toEqual([]);
  });

  it('lets each of the eight actors do exactly what each route declares', async () => {
    const routes = routesOf(t.app);
    const path = (route: Route) =>
      route.path
        .replace(':slug', 'matrix-a')
        .replace(':partner', 'matrix-p')
        .replace(':userId', new Types.ObjectId().toHexString())
        .replace(':key', 'no-such-flag')
        .replace(':domain', 'shop.matrix.example')
        .replace(':id', new Types.ObjectId().toHexString());
    const mismatches: string[] = [];
    // The operator goes last: the routes it may call include ones that change the cast (detaching A from P).
    for (const actor of ACTORS) {
      for (const route of routes) {
        const method = route.method.toLowerCase() as Method;
        // A body no DTO accepts: a route that lets the actor through answers 400 and changes nothing.
        const body = method === 'get' ? undefined : { matrixProbe: true };
        const who = actor === 'anonymous' ? undefined : actor;
        const response = STREAMS.has(`${route.method} ${route.path}`)
          ? await streamStatus(t, path(route), who && bearer[who])
          : await call(method, path(route), who, body);
        const want = expected(route, actor);
        // A 5xx is a failure whatever the rule says: never counted as "allowed".
        const got: Decision | 'server error' = response.status >= 500 ? 'server error' : response.status === 401 || response.status === 403 ? response.status : 'allowed';
        if (got !== want) mismatches.push(`${actor} ${route.method} ${route.path} [${describeRule(route.rule)}]: expected ${want}, got ${response.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
