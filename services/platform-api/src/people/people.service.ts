import { Injectable } from '@nestjs/common';
import type { Page, PartnerRole, PersonChange, PersonDetail, PersonSummary, TenantRole } from '@tessera/contracts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { IdentityDirectory } from '../integrations/identity/identity-directory.port';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { PartnerMembershipsRepository } from '../partners/partner-memberships.repository';
import { PartnersRepository } from '../partners/partners.repository';
import { LeaseRepository } from '../provisioning/lease.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { UserRecord } from '../users/user.schema';
import { UsersRepository, type PeopleFilter } from '../users/users.repository';

/** Changes that could leave the platform without an admin take this lease, so two of them never both count the last one. */
const ADMINS_LEASE = 'people:platform-admins';
const ADMINS_LEASE_MS = 30_000;

/**
 * People administration for operators: the list and one person, disabling
 * and re-enabling accounts, and granting or revoking platform administration.
 * The database decides who may do what (`disabledAt`, `platformAdmin`); the
 * identity provider's admin group is kept in step with it. Two rules hold
 * whatever the order of requests: nobody disables or demotes themselves, and
 * the platform always keeps one platform admin who may sign in.
 */
@Injectable()
export class PeopleService {
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly users: UsersRepository,
    private readonly memberships: MembershipsRepository,
    private readonly partnerMemberships: PartnerMembershipsRepository,
    private readonly tenants: TenantsRepository,
    private readonly partners: PartnersRepository,
    private readonly directory: IdentityDirectory,
    private readonly leases: LeaseRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async list(filter: PeopleFilter, page: number, pageSize: number): Promise<Page<PersonSummary>> {
    const { items, total } = await this.users.list(filter, (page - 1) * pageSize, pageSize);
    return { items: await this.describe(items), total, page, pageSize };
  }

  async get(id: string): Promise<PersonDetail> {
    const person = await this.find(id);
    return this.detail(person, await this.adminGroupOf(person));
  }

  async disable(actor: Actor, id: string, reason: string): Promise<Mutation<PersonChange>> {
    const person = await this.find(id);
    if (this.isSelf(actor, person)) throw DomainError.conflict('You cannot disable your own account: ask another platform admin');
    if (person.disabledAt) throw DomainError.conflict(`${nameOf(person)} is disabled already`);
    const updated = await this.guardingLastAdmin(person, 'disable', () => this.users.setDisabled(person.id, this.clock.now()));
    return mutation(
      { person: await this.detail(updated, await this.adminGroupOf(updated)), message: `${nameOf(updated)} is disabled: Tessera refuses their tokens and their workspace sessions from now on, and the apps sign them out.` },
      { ...this.target(person), action: 'person.disable', changes: { disabledAt: { from: null, to: updated.disabledAt?.toISOString() ?? null } }, reason },
    );
  }

  async enable(actor: Actor, id: string, reason: string | null): Promise<Mutation<PersonChange>> {
    const person = await this.find(id);
    if (!person.disabledAt) throw DomainError.conflict(`${nameOf(person)} is not disabled`);
    const updated = (await this.users.setDisabled(person.id, null)) ?? person;
    return mutation(
      { person: await this.detail(updated, await this.adminGroupOf(updated)), message: `${nameOf(updated)} may sign in again.` },
      { ...this.target(person), action: 'person.enable', changes: { disabledAt: { from: person.disabledAt.toISOString(), to: null } }, reason },
    );
  }

  /**
   * Makes the person a platform admin: first in the identity provider's admin
   * group (if the provider cannot be reached or has no such user, nothing
   * changes), then in the database, which is what authorizes.
   */
  async grantAdmin(actor: Actor, id: string, reason: string | null): Promise<Mutation<PersonChange>> {
    const person = await this.find(id);
    if (person.platformAdmin) throw DomainError.conflict(`${nameOf(person)} is a platform admin already`);
    if (person.disabledAt) throw DomainError.conflict(`${nameOf(person)} is disabled: enable the account before making them a platform admin`);
    const group = this.config.auth.adminGroup;
    const { found } = await this.directory.setNamedGroupMember(group, person.email, true);
    if (!found) throw DomainError.conflict(`The identity provider has no account with the email ${person.email}, so ${nameOf(person)} cannot be put in its ${group} group: nothing was changed`);
    const updated = (await this.users.setPlatformAdmin(person.id, true)) ?? person;
    return mutation(
      { person: await this.detail(updated, { name: group, member: true, note: null }), message: `${nameOf(updated)} is a platform admin: in the database and in the identity provider's ${group} group.` },
      { ...this.target(person), action: 'person.admin.grant', changes: { platformAdmin: { from: false, to: true } }, reason },
    );
  }

  /**
   * Takes platform administration away: first in the database, which is what
   * authorizes (it holds even if the identity provider does not answer), then
   * in the provider's admin group; the answer says if that part failed.
   */
  async revokeAdmin(actor: Actor, id: string, reason: string | null): Promise<Mutation<PersonChange>> {
    const person = await this.find(id);
    if (this.isSelf(actor, person)) throw DomainError.conflict('You cannot revoke your own platform administration: ask another platform admin');
    if (!person.platformAdmin) throw DomainError.conflict(`${nameOf(person)} is not a platform admin`);
    const updated = await this.guardingLastAdmin(person, 'demote', () => this.users.setPlatformAdmin(person.id, false));
    const group = this.config.auth.adminGroup;
    let adminGroup: PersonDetail['adminGroup'];
    let message: string;
    try {
      const { found } = await this.directory.setNamedGroupMember(group, person.email, false);
      adminGroup = { name: group, member: false, note: found ? null : 'The identity provider has no account with this email.' };
      message = `${nameOf(updated)} is no longer a platform admin: in the database and in the identity provider's ${group} group.`;
    } catch (error: unknown) {
      const why = error instanceof Error ? error.message : String(error);
      adminGroup = { name: group, member: null, note: `The identity provider could not be asked: ${why}` };
      message = `${nameOf(updated)} is no longer a platform admin in the database, which is what Tessera goes by; taking them out of the identity provider's ${group} group failed (${why}): do it there by hand or try again.`;
    }
    return mutation(
      { person: await this.detail(updated, adminGroup), message },
      { ...this.target(person), action: 'person.admin.revoke', changes: { platformAdmin: { from: true, to: false } }, reason },
    );
  }

  // ---- helpers -----------------------------------------------------------

  /**
   * Runs a change that takes an admin who may sign in away (disabling or
   * demoting one), refusing it when that admin is the last. Such changes run
   * one at a time across every API process (a lease in the database), so two
   * operators demoting each other at once cannot both succeed.
   */
  private async guardingLastAdmin(person: UserRecord, change: 'disable' | 'demote', write: () => Promise<UserRecord | null>): Promise<UserRecord> {
    const countsAsAdmin = person.platformAdmin && !person.disabledAt;
    if (!countsAsAdmin) return (await write()) ?? person;
    if (!(await this.leases.acquire(ADMINS_LEASE, this.holder, ADMINS_LEASE_MS))) {
      throw DomainError.conflict('Another change to the platform admins is under way: try again in a moment');
    }
    try {
      if ((await this.users.countEnabledPlatformAdmins()) <= 1) {
        throw DomainError.conflict(
          `${nameOf(person)} is the last platform admin who can sign in: make someone else a platform admin before you ${change === 'disable' ? 'disable this account' : 'revoke their administration'}`,
        );
      }
      return (await write()) ?? person;
    } finally {
      await this.leases.release(ADMINS_LEASE, this.holder).catch(() => undefined);
    }
  }

  private async adminGroupOf(person: UserRecord): Promise<PersonDetail['adminGroup']> {
    const name = this.config.auth.adminGroup;
    try {
      return { name, member: await this.directory.isNamedGroupMember(name, person.email), note: null };
    } catch (error: unknown) {
      return { name, member: null, note: `The identity provider could not be asked: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private async detail(person: UserRecord, adminGroup: PersonDetail['adminGroup']): Promise<PersonDetail> {
    const [summary] = await this.describe([person]);
    return { ...summary!, subject: person.subject, adminGroup };
  }

  /** Each person with their tenants and partners (three reads per page, not per person). */
  private async describe(people: UserRecord[]): Promise<PersonSummary[]> {
    const ids = people.map((person) => person.id);
    const [tenantRoles, partnerRoles] = await Promise.all([this.memberships.listActiveForUsers(ids), this.partnerMemberships.listActiveForUsers(ids)]);
    const [tenants, partners] = await Promise.all([
      this.tenants.findByIds([...new Set(tenantRoles.map((m) => m.scopeId))]),
      this.partners.findByIds([...new Set(partnerRoles.map((m) => m.scopeId))]),
    ]);
    const tenantById = new Map(tenants.map((tenant) => [tenant.id, tenant]));
    const partnerById = new Map(partners.map((partner) => [partner.id, partner]));
    return people.map((person) => ({
      id: person.id,
      email: person.email,
      name: person.name,
      username: person.username,
      platformAdmin: person.platformAdmin,
      disabledAt: person.disabledAt?.toISOString() ?? null,
      lastSeenAt: person.lastSeenAt?.toISOString() ?? null,
      createdAt: person.createdAt.toISOString(),
      tenants: tenantRoles
        .filter((m) => m.userId === person.id && tenantById.has(m.scopeId))
        .map((m) => {
          const tenant = tenantById.get(m.scopeId)!;
          return { id: tenant.id, slug: tenant.slug, name: tenant.name, role: m.role as TenantRole };
        })
        .sort((a, b) => a.slug.localeCompare(b.slug)),
      partners: partnerRoles
        .filter((m) => m.userId === person.id && partnerById.has(m.scopeId))
        .map((m) => {
          const partner = partnerById.get(m.scopeId)!;
          return { id: partner.id, slug: partner.slug, name: partner.name, role: m.role as PartnerRole };
        })
        .sort((a, b) => a.slug.localeCompare(b.slug)),
    }));
  }

  private async find(id: string): Promise<UserRecord> {
    const person = await this.users.fresh(id);
    if (!person) throw DomainError.notFound('That person');
    return person;
  }

  private isSelf(actor: Actor, person: UserRecord): boolean {
    return actor.user?.id === person.id;
  }

  private target(person: UserRecord) {
    return { target: { type: 'user', id: person.id } };
  }
}

function nameOf(person: UserRecord): string {
  return person.name || person.email || 'This person';
}
