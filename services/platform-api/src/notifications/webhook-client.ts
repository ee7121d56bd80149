import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** What a receiver answered: its status and the start of its body; or no answer, and why. */
export interface WebhookAnswer {
  status: number | null;
  body: string;
}

/**
 * The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`;
 * for a day after the secret is rotated, a second `v1=` signed with the replaced secret follows.
 */
export const SIGNATURE_HEADER = 'tessera-signature';

/** The longest part of a receiver's answer that is kept in the delivery log. */
export const ANSWER_LIMIT = 500;

/** `t=…,v1=…` for `body` sent at `timestamp` (seconds), signed with `secret`; one more `,v1=…` for each of `alsoWith`. */
export function signatureOf(secret: string, timestamp: number, body: string, alsoWith: string[] = []): string {
  const v1 = (key: string) => `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
  return [`t=${timestamp}`, v1(secret), ...alsoWith.map(v1)].join(',');
}

/** Loopback, private, link-local and unspecified addresses: the platform's own network, which a webhook must not reach. */
export function isPrivateAddress(address: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

/** POSTs signed JSON to webhook endpoints. */
@Injectable()
export class WebhookClient {
  constructor(
    private readonly options: { timeoutMs: number; allowPrivateTargets: boolean },
  ) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<WebhookAnswer> {
    const target = new URL(url);
    if (!this.options.allowPrivateTargets) {
      const host = target.hostname.replace(/^\[|\]$/g, '');
      const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((entry) => entry.address);
      if (addresses.length === 0) return { status: null, body: `the host ${host} could not be resolved` };
      if (addresses.some(isPrivateAddress)) return { status: null, body: `the host ${host} is a private address, which webhooks may not reach` };
    }
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Tessera-Webhooks/1', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text().catch(() => '');
      return { status: response.status, body: text.slice(0, ANSWER_LIMIT) };
    } catch (error: unknown) {
      const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : ((error.cause as Error | undefined)?.message ?? error.message)) : String(error);
      return { status: null, body: reason.slice(0, ANSWER_LIMIT) };
    }
  }
}
