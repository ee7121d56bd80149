import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
import { AdminApi } from './admin-api.js';
import type { DevIdpConfig } from './config.js';
import { Directory } from './directory.js';
import { applications, createIssuer, escapeHtml, issuerUrl, page } from './issuers.js';
import { handleInteraction } from './login.js';
import { DEMO_ACCOUNTS, seedDemo } from './seed.js';

export interface DevIdp {
  server: Server;
  directory: Directory;
  close(): Promise<void>;
}

type Mounted = IncomingMessage & { baseUrl?: string; originalUrl?: string };

/** Starts dev-idp: the issuers under /application/o/<slug>/, the sign-in pages and /api/v3. */
export async function startDevIdp(config: DevIdpConfig): Promise<DevIdp> {
  const directory = await Directory.open(config.mongodbUri);
  if (config.seedDemo) await seedDemo(directory, config.demoPassword);

  // One RS256 key, made once and kept, so tokens outlive a restart.
  const signingKey = await directory.setting<JWK>('signing-key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: `tessera-dev-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };
  });

  const issuers = new Map<string, Provider>();
  for (const application of applications(config)) issuers.set(application.slug, createIssuer(config, directory, application, signingKey));
  const adminApi = new AdminApi(directory, config.adminToken);

  const server = createServer((req: Mounted, res: ServerResponse) => {
    const url = req.url ?? '/';
    const route = async () => {
      if (url.startsWith('/api/v3/')) return adminApi.handle(req, res);
      const match = /^\/application\/o\/([a-z0-9-]+)(\/.*)?$/.exec(url);
      const provider = match ? issuers.get(match[1]!) : undefined;
      if (match && provider) {
        const rest = match[2] ?? '/';
        if (/^\/interaction\/[^/?]+/.test(rest)) return handleInteraction(provider, directory, req, res);
        req.originalUrl = url;
        req.baseUrl = `/application/o/${match[1]}`;
        req.url = rest;
        return provider.callback()(req, res);
      }
      if (url === '/' || url.startsWith('/?')) return index(config, res);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    };
    route().catch((error: unknown) => {
      process.stderr.write(`dev-idp: ${String((error as Error)?.stack ?? error)}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/html' }).end(page('Error', '<p class="error">Something went wrong.</p>'));
    });
  });
  await new Promise<void>((resolve) => server.listen(config.port, '0.0.0.0', resolve));
  return {
    server,
    directory,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await directory.close();
    },
  };
}

function index(config: DevIdpConfig, res: ServerResponse): void {
  const apps = applications(config)
    .map((app) => `<li><a href="${escapeHtml(issuerUrl(config, app.slug))}.well-known/openid-configuration">${escapeHtml(app.slug)}</a></li>`)
    .join('');
  const users = DEMO_ACCOUNTS.map((a) => `<li><code>${escapeHtml(a.username)}</code> — ${escapeHtml(a.role)}</li>`).join('');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page('dev-idp', `<h1>Tessera dev identity</h1><p>Issuers:</p><ul>${apps}</ul><p>Demo logins:</p><ul>${users}</ul>`));
}
