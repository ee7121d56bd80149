import { Injectable, Logger } from '@nestjs/common';
import { DOMAIN_CHALLENGE_PREFIX, HOST_NAME_PATTERN, type TenantDomain } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { TxtRecords } from '../integrations/dns/txt-records.port';
import { isIntegrationError } from '../integrations/integration-error';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { DomainClaimRecord } from './domain.schema';
import { DomainsRepository } from './domains.repository';

/** What the TXT record holds: `tessera-verify=<token>`. */
const VALUE_PREFIX = 'tessera-verify=';

/** The outcome of one check of a pending domain. */
export interface DomainCheck {
  domain: TenantDomain;
  /** The domain became verified by this check. */
  verified: boolean;
}

/**
 * Custom domains, proven before they are routed. A domain is added pending
 * with a random token; the owner publishes it as a TXT record at
 * `_tessera-challenge.<domain>`; a check (asked for, or run by reconcile)
 * looks the record up and verifies the domain. The tenant's `domains` field,
 * which the route step and the edge read, always holds its verified names
 * only, rewritten from the claims after every change.
 */
@Injectable()
export class CustomDomains {
  private readonly logger = new Logger(CustomDomains.name);

  constructor(
    private readonly claims: DomainsRepository,
    private readonly tenants: TenantsRepository,
    private readonly txt: TxtRecords,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /**
   * Domains stored on tenants before they had to be proven become pending
   * claims: none of them is routed until its owner publishes the record.
   * Runs at start, before the route pass (ReconcileService).
   */
  async provePreviousDomains(): Promise<void> {
    for (const tenant of await this.tenants.listWithDomains()) {
      const verified = new Set((await this.claims.listLive(tenant.id)).filter((claim) => claim.state === 'verified').map((claim) => claim.name));
      for (const name of tenant.domains.filter((domain) => !verified.has(domain))) {
        await this.claims.addPending(tenant.id, name, newToken());
      }
      if (await this.sync(tenant)) this.logger.log({ tenant: tenant.slug }, 'custom domains stored before verification existed are pending now');
    }
  }

  async list(tenant: TenantRecord): Promise<TenantDomain[]> {
    return (await this.claims.listLive(tenant.id)).map(toShape);
  }

  /** Adds a pending domain, after refusing the platform's own names. */
  async add(tenant: TenantRecord, name: string): Promise<TenantDomain> {
    const problem = this.platformNameProblem(name);
    if (problem) throw DomainError.invalid({ name: [problem] }, problem);
    const claim = await this.claims.addPending(tenant.id, name, newToken());
    if (!claim) throw DomainError.conflict(`${name} is added to ${tenant.slug} already`);
    return toShape(claim);
  }

  /** Looks the domain's record up now; verifies it when the record is there. */
  async check(tenant: TenantRecord, name: string): Promise<DomainCheck> {
    const claim = await this.find(tenant, name);
    if (claim.state === 'verified') return { domain: toShape(claim), verified: false };
    const verified = await this.checkClaim(claim);
    if (verified) await this.sync(tenant);
    return { domain: toShape((await this.claims.findLive(claim.tenantId, claim.name)) ?? claim), verified };
  }

  /** Stops routing the domain and frees the name. */
  async remove(tenant: TenantRecord, name: string): Promise<TenantDomain> {
    const claim = await this.find(tenant, name);
    await this.claims.markRemoved(claim.id, this.clock.now());
    await this.sync(tenant);
    return toShape(claim);
  }

  /** Frees every name of a tenant that ends (terminated or rejected). */
  async releaseAll(tenant: TenantRecord): Promise<void> {
    for (const claim of await this.claims.listLive(tenant.id)) await this.claims.markRemoved(claim.id, this.clock.now());
    await this.sync(tenant);
  }

  /**
   * What reconcile runs: checks the tenant's pending domains and keeps its
   * routed names equal to its verified claims. True when those changed.
   */
  async converge(tenant: TenantRecord): Promise<boolean> {
    const claims = await this.claims.listLive(tenant.id);
    for (const claim of claims.filter((candidate) => candidate.state === 'pending')) await this.checkClaim(claim);
    return this.sync(tenant);
  }

  /** The ids of tenants with a domain waiting for its record: reconcile-all checks only those. */
  tenantsWithPending(): Promise<Set<string>> {
    return this.claims.tenantsWithPending();
  }

  /** Why a name can never be a tenant's, or null. */
  platformNameProblem(name: string): string | null {
    const base = this.config.baseDomain;
    if (!HOST_NAME_PATTERN.test(name) || isIP(name) !== 0 || !name.includes('.')) return `${name} is not a domain name`;
    if (name === base || name.endsWith(`.${base}`)) return `Addresses under ${base} are given by the platform and cannot be added`;
    if (this.config.platformHosts.includes(name)) return `${name} is one of the platform's own addresses`;
    return null;
  }

  private async find(tenant: TenantRecord, name: string): Promise<DomainClaimRecord> {
    const claim = await this.claims.findLive(tenant.id, name);
    if (!claim) throw DomainError.notFound(`The domain ${name} of ${tenant.slug}`);
    return claim;
  }

  /** One lookup of a pending claim's record; the outcome is stored on the claim. */
  private async checkClaim(claim: DomainClaimRecord): Promise<boolean> {
    const now = this.clock.now();
    const recordName = `${DOMAIN_CHALLENGE_PREFIX}${claim.name}`;
    let values: string[];
    try {
      values = await this.txt.lookup(recordName);
    } catch (error: unknown) {
      if (!isIntegrationError(error, 'dns')) throw error;
      await this.claims.recordCheck(claim.id, now, `DNS could not be asked about ${recordName} just now; the next check tries again.`);
      return false;
    }
    if (!values.includes(`${VALUE_PREFIX}${claim.token}`)) {
      const found = values.length === 0 ? 'no TXT record was found there' : 'the TXT records there do not hold the expected value';
      await this.claims.recordCheck(claim.id, now, `Not verified yet: ${found}. Publish the record shown, then check again.`);
      return false;
    }
    if (!(await this.claims.markVerified(claim.id, claim.name, now))) {
      await this.claims.recordCheck(claim.id, now, `${claim.name} is verified for another workspace already.`);
      return false;
    }
    return true;
  }

  /** Writes the tenant's verified names onto it when they differ; true when they did. */
  private async sync(tenant: TenantRecord): Promise<boolean> {
    const verified = (await this.claims.listLive(tenant.id)).filter((claim) => claim.state === 'verified').map((claim) => claim.name);
    const current = (await this.tenants.fresh(tenant.id))?.domains ?? tenant.domains;
    if (verified.length === current.length && verified.every((name, index) => current[index] === name)) return false;
    await this.tenants.update(tenant.id, { domains: verified });
    return true;
  }
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function toShape(claim: DomainClaimRecord): TenantDomain {
  return {
    name: claim.name,
    state: claim.state === 'verified' ? 'verified' : 'pending',
    record: { type: 'TXT', name: `${DOMAIN_CHALLENGE_PREFIX}${claim.name}`, value: `${VALUE_PREFIX}${claim.token}` },
    addedAt: claim.createdAt.toISOString(),
    verifiedAt: claim.verifiedAt?.toISOString() ?? null,
    lastCheckedAt: claim.lastCheckedAt?.toISOString() ?? null,
    lastError: claim.state === 'verified' ? null : claim.lastError,
  };
}
