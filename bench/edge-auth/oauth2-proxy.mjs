// oauth2-proxy as the forwardAuth service in front of a workspace, for the
// comparison with Tessera's own: the binary built by scripts/lib.sh
// (ensure_oauth2_proxy, OAUTH2_PROXY_BIN), pointed at dev-idp as a generic
// OIDC provider, and a browser-less sign-in through it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sleep } from '../shared.mjs';

/**
 * oauth2-proxy on `port`, signing people in at `issuer` (one of dev-idp's
 * applications, /application/o/<app>/) with that application's client, in
 * auth-only mode: /oauth2/auth answers 202 with a session, 401 without.
 * Request logs are off, as platform-api's are in the benchmark.
 */
export async function startOauth2Proxy({ port, issuer, client }) {
  const binary = process.env.OAUTH2_PROXY_BIN;
  if (!binary) throw new Error('OAUTH2_PROXY_BIN: the oauth2-proxy binary (scripts/lib.sh ensure_oauth2_proxy builds it)');
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--http-address=127.0.0.1:${port}`,
      '--provider=oidc',
      `--oidc-issuer-url=${issuer}`,
      `--client-id=${client.id}`,
      `--client-secret=${client.secret}`,
      `--redirect-url=${origin}/oauth2/callback`,
      // dev-idp, like Authentik, requires PKCE.
      '--code-challenge-method=S256',
      '--scope=openid email profile',
      // The ID token carries the email; dev-idp's userinfo (like oidc-provider's) refuses an access
      // token bound to a resource, so oauth2-proxy must not go there for the groups claim.
      '--skip-claims-from-profile-url=true',
      '--email-domain=*',
      `--cookie-secret=${randomBytes(16).toString('hex')}`,
      '--cookie-secure=false',
      '--upstream=static://202',
      '--reverse-proxy=true',
      '--set-xauthrequest=true',
      '--skip-provider-button=true',
      '--request-logging=false',
      '--auth-logging=false',
      '--silence-ping-logging=true',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`oauth2-proxy exited with code ${child.exitCode}: ${log}`);
    if (await fetch(`${origin}/ping`).then((r) => r.ok, () => false)) break;
    if (attempt > 300) throw new Error(`oauth2-proxy did not come up: ${log}`);
    await sleep(100);
  }
  return {
    origin,
    pid: child.pid,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A real sign-in through oauth2-proxy, as a browser does it: /oauth2/start,
 * dev-idp's authorize and login form, back to /oauth2/callback. Answers the
 * `_oauth2_proxy=<value>` session cookie. Cookies are kept by name alone, as a
 * browser keeps them for one host (both run on 127.0.0.1).
 */
export async function signInThroughOauth2Proxy(origin, username, password) {
  const jar = new Map();
  const header = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  let url = `${origin}/oauth2/start?rd=%2F`;
  let form;
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    form = undefined;
    if (url.startsWith(`${origin}/oauth2/callback`)) {
      const session = jar.get('_oauth2_proxy');
      if (response.status !== 302 || !session) throw new Error(`oauth2-proxy's callback answered ${response.status} without a session: ${(await response.text()).slice(0, 300)}`);
      return `_oauth2_proxy=${session}`;
    }
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url).toString();
      continue;
    }
    const html = await response.text();
    if (response.status !== 200 || !html.includes('name="password"')) throw new Error(`unexpected answer ${response.status} at ${url}: ${html.slice(0, 300)}`);
    form = new URLSearchParams({ username, password });
  }
  throw new Error('the sign-in through oauth2-proxy did not come back to its callback');
}
