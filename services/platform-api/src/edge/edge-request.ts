import { HOST_NAME_PATTERN, SERVICE_HOST_SEPARATOR, SERVICE_NAME_PATTERN, SLUG_PATTERN } from '@tessera/contracts';

/** The request Traefik asks about, from the `X-Forwarded-*` headers it sends to forwardAuth. */
export interface ForwardedRequest {
  /** Lower-case host name, without a port. */
  host: string;
  /** The host as the browser wrote it, port included: what a return URL uses. */
  authority: string;
  proto: 'http' | 'https';
  /** Path and query; `/` when missing or not a plain path. */
  uri: string;
  method: string;
  /** A WebSocket (or other) upgrade: never answered with a redirect. */
  upgrade: boolean;
}

const AUTHORITY = /^([^:]+)(:(\d{1,5}))?$/;

type Headers = Record<string, string | string[] | undefined>;
const one = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value?.trim();
};

/**
 * Reads the forwarded request, or null when the host is missing or is not one
 * plain host name (a list, a path, an address with a user): such a request is
 * answered 400 and never redirected anywhere.
 */
export function readForwarded(headers: Headers): ForwardedRequest | null {
  const authority = one(headers, 'x-forwarded-host')?.toLowerCase();
  const match = authority ? AUTHORITY.exec(authority) : null;
  if (!authority || !match || !HOST_NAME_PATTERN.test(match[1]!) || (match[3] && Number(match[3]) > 65_535)) return null;
  const uri = one(headers, 'x-forwarded-uri') ?? '/';
  return {
    host: match[1]!,
    authority,
    proto: one(headers, 'x-forwarded-proto') === 'https' ? 'https' : 'http',
    uri: isPlainPath(uri) ? uri : '/',
    method: (one(headers, 'x-forwarded-method') ?? 'GET').toUpperCase(),
    // Traefik drops Upgrade and Connection (hop-by-hop) before asking; Sec-WebSocket-Key it passes on.
    upgrade: Boolean(one(headers, 'upgrade') || one(headers, 'sec-websocket-key')) || /\bupgrade\b/i.test(one(headers, 'connection') ?? ''),
  };
}

/** A path on the same host: starts with one `/`, no backslash, no control characters. */
export function isPlainPath(path: string): boolean {
  const controlOrBackslash = [...path].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  return path.startsWith('/') && !path.startsWith('//') && !controlOrBackslash && path.length <= 4_096;
}

/**
 * What a host names: the tenant `<slug>.<base domain>` (its default service),
 * one of its other services `<service>--<slug>.<base domain>`, or — for any
 * other host — a custom domain to look up. Slugs and service names never hold
 * `--`, so a label splits one way only. Hosts that are the base domain itself
 * or deeper under it (`a.b.<base>`) name nothing; whether the service exists
 * is the plan's to say.
 */
export function hostTarget(host: string, baseDomain: string): { slug: string; service: string | null } | { domain: string } | null {
  const suffix = `.${baseDomain}`;
  if (host === baseDomain) return null;
  if (host.endsWith(suffix)) {
    const label = host.slice(0, -suffix.length);
    const at = label.indexOf(SERVICE_HOST_SEPARATOR);
    if (at < 0) return SLUG_PATTERN.test(label) ? { slug: label, service: null } : null;
    const [service, slug] = [label.slice(0, at), label.slice(at + SERVICE_HOST_SEPARATOR.length)];
    return SERVICE_NAME_PATTERN.test(service) && SLUG_PATTERN.test(slug) ? { slug, service } : null;
  }
  return { domain: host };
}

/**
 * The cookie's scope for a host: the base domain for its subdomains (one
 * sign-in for all), else the host alone. A base domain of one label
 * (`localhost`, as scripts/dev.sh runs) cannot carry a cookie for its
 * subdomains (browsers refuse `Domain=localhost`), so each host gets its own.
 */
export function sessionScope(host: string, baseDomain: string): string {
  return host.endsWith(`.${baseDomain}`) && baseDomain.includes('.') ? baseDomain : host;
}

/** Whether a session scoped to `scope` may be used on `host`. */
export function scopeCovers(scope: string, host: string): boolean {
  return host === scope || host.endsWith(`.${scope}`);
}

/** Cookies as name → value, from a Cookie header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

/** The Cookie header without `name`: what the workspace gets, so the edge session never reaches tenant code. */
export function cookiesWithout(header: string | undefined, name: string): string {
  return [...parseCookies(header)]
    .filter(([key]) => key !== name)
    .map(([key, value]) => `${key}=${value}`)
    .join('; ');
}
