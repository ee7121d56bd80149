import { cookiesWithout, hostTarget, isPlainPath, readForwarded, scopeCovers, sessionScope } from './edge-request';

describe('readForwarded', () => {
  it('reads host (lower-cased, port kept for the return URL), scheme, path, method and upgrades', () => {
    expect(
      readForwarded({ 'x-forwarded-host': 'Acme.Tessera.Test:8443', 'x-forwarded-proto': 'https', 'x-forwarded-uri': '/a?b=1', 'x-forwarded-method': 'post', 'sec-websocket-key': 'k' }),
    ).toEqual({ host: 'acme.tessera.test', authority: 'acme.tessera.test:8443', proto: 'https', uri: '/a?b=1', method: 'POST', upgrade: true });
  });

  it('refuses anything but one plain host name', () => {
    for (const host of ['a.test, b.test', 'a.test/x', 'user@a.test', 'a_b.test', 'a.test:70000', '-a.test', '', '[::1]']) {
      expect(readForwarded({ 'x-forwarded-host': host })).toBeNull();
    }
    expect(readForwarded({})).toBeNull();
    expect(readForwarded({ 'x-forwarded-host': ['a.test', 'b.test'] })).toBeNull();
  });

  it('turns a URI that is not a plain path into /', () => {
    for (const uri of ['//evil.test/', 'https://evil.test/', '/\\evil.test', '/a\nb', 'relative']) {
      expect(readForwarded({ 'x-forwarded-host': 'a.test', 'x-forwarded-uri': uri })?.uri).toBe('/');
      expect(isPlainPath(uri)).toBe(false);
    }
  });
});

describe('hosts and scopes', () => {
  it('names a tenant by one slug label under the base domain, and anything else a custom domain', () => {
    expect(hostTarget('acme.tessera.test', 'tessera.test')).toEqual({ slug: 'acme', service: null });
    expect(hostTarget('work.acme.example', 'tessera.test')).toEqual({ domain: 'work.acme.example' });
    expect(hostTarget('tessera.test', 'tessera.test')).toBeNull();
    expect(hostTarget('a.b.tessera.test', 'tessera.test')).toBeNull();
    expect(hostTarget('eviltessera.test', 'tessera.test')).toEqual({ domain: 'eviltessera.test' });
  });

  it('names another service of a tenant by `<service>--<slug>`, which splits one way only', () => {
    expect(hostTarget('docs--acme.tessera.test', 'tessera.test')).toEqual({ slug: 'acme', service: 'docs' });
    expect(hostTarget('api-v2--acme-corp.tessera.test', 'tessera.test')).toEqual({ slug: 'acme-corp', service: 'api-v2' });
    expect(hostTarget('acme-corp.tessera.test', 'tessera.test')).toEqual({ slug: 'acme-corp', service: null });
    // A third hyphen pair, an empty side, or a side that is no name: no tenant.
    for (const host of ['docs--acme--x.tessera.test', 'docs---acme.tessera.test', '--acme.tessera.test', 'docs--.tessera.test', '9docs--acme.tessera.test', 'docs--ab.tessera.test', 'ui--acme.tessera.test']) {
      expect(hostTarget(host, 'tessera.test')).toBeNull();
    }
    // Off the base domain it is a custom domain like any other, to be looked up.
    expect(hostTarget('docs--acme.example', 'tessera.test')).toEqual({ domain: 'docs--acme.example' });
  });

  it('scopes sessions to the base domain for its subdomains and to the host for custom domains', () => {
    expect(sessionScope('acme.tessera.test', 'tessera.test')).toBe('tessera.test');
    expect(sessionScope('work.acme.example', 'tessera.test')).toBe('work.acme.example');
    // Browsers refuse Domain=localhost: on a one-label base domain each workspace host keeps its own session.
    expect(sessionScope('acme.localhost', 'localhost')).toBe('acme.localhost');
    expect(scopeCovers('tessera.test', 'beta.tessera.test')).toBe(true);
    expect(scopeCovers('tessera.test', 'eviltessera.test')).toBe(false);
    expect(scopeCovers('work.acme.example', 'other.example')).toBe(false);
  });

  it('drops only the named cookie', () => {
    expect(cookiesWithout('a=1; tessera_edge=x.y; b=2', 'tessera_edge')).toBe('a=1; b=2');
    expect(cookiesWithout(undefined, 'tessera_edge')).toBe('');
  });
});
