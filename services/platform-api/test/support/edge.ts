import type { TestApp } from './app';

export interface EdgeRequestOptions {
  uri?: string;
  cookie?: string;
  method?: string;
  upgrade?: boolean;
  /** false: ask for JSON instead of a page. */
  html?: boolean;
}

/**
 * Traefik's side of forwardAuth, for tests: `ask` sends what Traefik sends
 * for a browser asking for `uri` on `host`; `signIn` does the portal's part
 * (a ticket for a portal token) and the exchange on the host, answering the
 * Set-Cookie line.
 */
export function edgeClient(app: TestApp) {
  const ask = (host: string | undefined, options: EdgeRequestOptions = {}) => {
    let req = app.http().get('/edge/auth').set('x-forwarded-proto', 'https').set('x-forwarded-uri', options.uri ?? '/');
    if (host !== undefined) req = req.set('x-forwarded-host', host);
    if (options.cookie) req = req.set('cookie', options.cookie);
    if (options.method) req = req.set('x-forwarded-method', options.method);
    // As Traefik asks: Upgrade and Connection are hop-by-hop and dropped, the WebSocket key is passed on.
    if (options.upgrade) req = req.set('sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==').set('sec-websocket-version', '13');
    return req.set('accept', options.html === false ? 'application/json' : 'text/html');
  };
  const signIn = async (portalToken: string, url: string): Promise<string> => {
    const ticket = await app.http().post('/edge/tickets').set('authorization', `Bearer ${portalToken}`).send({ returnUrl: url }).expect(200);
    const link = new URL((ticket.body as { redirect: string }).redirect);
    const exchanged = await ask(link.host, { uri: `${link.pathname}${link.search}` }).expect(302);
    const wanted = new URL(url);
    if (exchanged.headers['location'] !== wanted.toString()) throw new Error(`the exchange sent to ${exchanged.headers['location']}`);
    return (exchanged.headers['set-cookie'] as unknown as string[])[0]!;
  };
  /** `name=value` of a Set-Cookie line. */
  const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;
  return { ask, signIn, cookieOf };
}
