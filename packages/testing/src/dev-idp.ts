import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './ferretdb';
import { clientCredentials, signIn } from './oauth';

const ENTRY = resolve(__dirname, '../../../services/dev-idp/dist/main.js');

/** The redirect URI registered for test clients; nothing listens there, the flow stops at the redirect. */
export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/callback';

export const DEV_IDP_CLIENTS = {
  portal: { id: 'tessera-portal', secret: 'portal-test-secret', redirectUri: TEST_REDIRECT_URI },
  operator: { id: 'tessera-operator', secret: 'operator-test-secret', redirectUri: TEST_REDIRECT_URI },
  ci: { id: 'tessera-ci', secret: 'ci-test-secret' },
} as const;

export type App = 'portal' | 'operator' | 'ci';

/**
 * dev-idp as a separate process, as it runs for real: on a free port, with its
 * own database, no demo accounts, and test clients. People are created through
 * its Authentik-shaped admin API and sign in through the login form.
 */
export class DevIdpProcess {
  static readonly ADMIN_TOKEN = 'dev-idp-test-admin-token';
  static readonly PASSWORD = 'correct horse battery staple';

  private constructor(
    private readonly child: ChildProcess,
    readonly origin: string,
  ) {}

  /**
   * Starts the built dev-idp. `redirectUris` adds an app's callback and post-logout addresses
   * (a browser test's portal on its own port) to the test client's.
   */
  static async start(
    mongodbUri: string,
    options: { seedDemo?: boolean; redirectUris?: Partial<Record<'portal' | 'operator', { callback: string; logout: string }>>; env?: Record<string, string> } = {},
  ): Promise<DevIdpProcess> {
    if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: build dev-idp first (pnpm -r build)`);
    // freePort's port is free when asked, not when dev-idp binds it: another freePort caller can take it first. Then
    // dev-idp exits, and it is started again on another port.
    for (let attempt = 1; ; attempt += 1) {
      const idp = await DevIdpProcess.startOn(await freePort(), mongodbUri, options);
      if (idp) return idp;
      if (attempt >= 3) throw new Error('dev-idp exited three times: each port it was given was taken');
    }
  }

  /** dev-idp on `port`, once it answers as itself; null when it exited (the port was taken). */
  private static async startOn(port: number, mongodbUri: string, options: Parameters<typeof DevIdpProcess.start>[1] = {}): Promise<DevIdpProcess | null> {
    const origin = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [ENTRY], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DEV_IDP_PORT: String(port),
        DEV_IDP_ORIGIN: origin,
        DEV_IDP_MONGODB_URI: mongodbUri,
        DEV_IDP_SEED_DEMO: options.seedDemo ? 'true' : 'false',
        DEV_IDP_DEMO_PASSWORD: DevIdpProcess.PASSWORD,
        DEV_IDP_ADMIN_TOKEN: DevIdpProcess.ADMIN_TOKEN,
        DEV_IDP_PORTAL_CLIENT_SECRET: DEV_IDP_CLIENTS.portal.secret,
        DEV_IDP_PORTAL_REDIRECT_URIS: [TEST_REDIRECT_URI, options.redirectUris?.portal?.callback].filter(Boolean).join(','),
        ...(options.redirectUris?.portal ? { DEV_IDP_PORTAL_LOGOUT_URIS: options.redirectUris.portal.logout } : {}),
        DEV_IDP_OPERATOR_CLIENT_SECRET: DEV_IDP_CLIENTS.operator.secret,
        DEV_IDP_OPERATOR_REDIRECT_URIS: [TEST_REDIRECT_URI, options.redirectUris?.operator?.callback].filter(Boolean).join(','),
        ...(options.redirectUris?.operator ? { DEV_IDP_OPERATOR_LOGOUT_URIS: options.redirectUris.operator.logout } : {}),
        DEV_IDP_CI_CLIENT_SECRET: DEV_IDP_CLIENTS.ci.secret,
        ...options.env,
      },
    });
    const idp = new DevIdpProcess(child, origin);
    // A suite whose hook fails never calls stop(): the server must not outlive the test process.
    const orphanGuard = () => child.kill('SIGKILL');
    process.once('exit', orphanGuard);
    child.once('exit', () => process.off('exit', orphanGuard));
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (child.exitCode !== null) return null;
      try {
        // Its own discovery document, not any server's 200 on that port.
        const answer = await fetch(`${idp.issuer('portal')}.well-known/openid-configuration`);
        const discovery = answer.ok ? ((await answer.json().catch(() => null)) as { issuer?: string } | null) : null;
        if (discovery?.issuer === idp.issuer('portal')) return idp;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
    throw new Error('dev-idp did not come up');
  }

  issuer(app: App): string {
    return `${this.origin}/application/o/${app}/`;
  }

  jwksUrl(app: App): string {
    return `${this.issuer(app)}jwks/`;
  }

  /** What platform-api's AUTH_ISSUERS would say to trust this dev-idp. */
  trustedIssuers(): string {
    return JSON.stringify((['portal', 'operator', 'ci'] as const).map((app) => ({ issuer: this.issuer(app), jwksUrl: this.jwksUrl(app), audience: app })));
  }

  /** Calls the admin API with the admin token. */
  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.origin}/api/v3${path}`, {
      method,
      headers: { authorization: `Bearer ${DevIdpProcess.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Creates a person with a password, in the given groups (made when missing). Returns their user pk. */
  async createPerson(username: string, options: { email?: string; name?: string; groups?: string[] } = {}): Promise<number> {
    const created = await this.admin('POST', '/core/users/', { username, name: options.name ?? username, email: options.email ?? `${username}@example.test` });
    if (created.status !== 201) throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
    const pk = (created.body as { pk: number }).pk;
    await this.admin('POST', `/core/users/${pk}/set_password/`, { password: DevIdpProcess.PASSWORD });
    await this.addToGroups(pk, options.groups ?? []);
    return pk;
  }

  /** Puts the user in each group, creating the groups that do not exist yet. */
  async addToGroups(userPk: number, groups: string[]): Promise<void> {
    for (const name of groups) {
      const found = (await this.admin('GET', `/core/groups/?name=${encodeURIComponent(name)}`)).body as { results: { pk: string }[] };
      const group = found.results[0] ?? ((await this.admin('POST', '/core/groups/', { name })).body as { pk: string });
      await this.admin('POST', `/core/groups/${group.pk}/add_user/`, { pk: userPk });
    }
  }

  /** An access token for a person, through the authorization code flow with PKCE of the portal or operator app. */
  async accessToken(username: string, app: 'portal' | 'operator'): Promise<string> {
    const tokens = await signIn({ issuer: this.issuer(app), client: DEV_IDP_CLIENTS[app], username, password: DevIdpProcess.PASSWORD });
    return tokens.access_token;
  }

  /** The CI machine client's token, through client credentials. */
  async machineToken(): Promise<string> {
    return (await clientCredentials(this.issuer('ci'), DEV_IDP_CLIENTS.ci)).access_token;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
