import type { DnsServer } from '@tessera/testing';
import type { TenantDomain } from '@tessera/contracts';
import type { TestApp } from './app';

/**
 * A custom domain as its owner proves it: added (pending), its TXT record
 * published on the test's DNS server, then checked and verified.
 */
export async function proveDomain(app: TestApp, token: string, slug: string, name: string, dns: DnsServer): Promise<TenantDomain> {
  const auth = `Bearer ${token}`;
  const added = await app.http().post(`/tenants/${slug}/domains`).set('authorization', auth).send({ name });
  if (added.status !== 201) throw new Error(`adding ${name} to ${slug}: ${added.status} ${JSON.stringify(added.body)}`);
  const { record } = added.body as TenantDomain;
  await dns.publishTxt(record.name, record.value);
  const checked = await app.http().post(`/tenants/${slug}/domains/${name}/verify`).set('authorization', auth);
  if (checked.status !== 200 || (checked.body as TenantDomain).state !== 'verified') throw new Error(`verifying ${name}: ${checked.status} ${JSON.stringify(checked.body)}`);
  return checked.body as TenantDomain;
}
