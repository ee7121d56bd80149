import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FeatureFlag, FlagEvaluation } from '@tessera/contracts';
import { changesBetween, mutation, type Mutation } from '../audit/mutation';
import type { Actor } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors/domain-error';
import { MembershipsRepository } from '../memberships/memberships.repository';
import type { TenantRecord } from '../tenants/tenant.schema';
import { TenantsRepository } from '../tenants/tenants.repository';
import { evaluateAll } from './flag-evaluator';
import { mapFlag, type CreateFlagDto, type EvaluateFlagsDto, type PreviewFlagDto, type UpdateFlagDto } from './flag.dto';
import type { FeatureFlagRecord } from './flag.schema';
import { FlagsRepository, type FlagFields } from './flags.repository';

const AUDITED_FIELDS = ['description', 'enabled', 'defaultValue', 'rules', 'owner', 'expiresAt', 'archivedAt'] as const;

/** A FlagEvaluation as the JSON the API answers: kept serialized, since every answer would serialize it again. */
export type SerializedEvaluation = string & { readonly __json: FlagEvaluation };

/** Truth maps kept, by ETag: a portal evaluates once per session, so the same tenants come back. */
const EVALUATED_MAPS = 2_000;

@Injectable()
export class FlagsService {
  private readonly evaluated = new Map<string, SerializedEvaluation>();

  constructor(
    private readonly flags: FlagsRepository,
    private readonly tenants: TenantsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<FeatureFlag[]> {
    const now = this.clock.now();
    return (await this.flags.listAll()).map((flag) => mapFlag(flag, now));
  }

  async read(key: string): Promise<FeatureFlag> {
    return mapFlag(await this.find(key), this.clock.now());
  }

  async create(dto: CreateFlagDto): Promise<Mutation<FeatureFlag>> {
    const created = await this.flags.create(fieldsOf(dto) as FlagFields);
    return mutation(mapFlag(created, this.clock.now()), {
      action: 'flag.create',
      target: { type: 'flag', id: created.key },
      changes: changesBetween({} as Record<string, unknown>, created as unknown as Record<string, unknown>, AUDITED_FIELDS),
    });
  }

  async update(key: string, dto: UpdateFlagDto): Promise<Mutation<FeatureFlag>> {
    const before = await this.find(key);
    if (before.archivedAt) throw DomainError.conflict(`The flag "${key}" is archived`);
    if (dto.key !== undefined && dto.key !== key) throw DomainError.invalid({ key: ['a flag’s key cannot change'] });
    const after = (await this.flags.update(key, fieldsOf(dto))) ?? before;
    return mutation(mapFlag(after, this.clock.now()), {
      action: 'flag.update',
      target: { type: 'flag', id: key },
      changes: changesBetween(before, after, AUDITED_FIELDS),
    });
  }

  async archive(key: string): Promise<Mutation<FeatureFlag>> {
    const before = await this.find(key);
    if (before.archivedAt) throw DomainError.conflict(`The flag "${key}" is archived already`);
    const after = (await this.flags.update(key, { archivedAt: this.clock.now() })) ?? before;
    return mutation(mapFlag(after, this.clock.now()), {
      action: 'flag.archive',
      target: { type: 'flag', id: key },
      changes: changesBetween(before, after, AUDITED_FIELDS),
    });
  }

  /**
   * The truth map of every active flag for one tenant. Members may evaluate
   * their own tenants only; operators any tenant (an unknown one gets the
   * defaults). Without a tenant named: the caller's only tenant, or none.
   */
  /**
   * The truth map for one tenant, from the in-memory snapshot. The ETag names
   * the snapshot and everything about the tenant the rules read, so a caller
   * holding it gets `unchanged` without the map being evaluated again.
   */
  async evaluate(actor: Actor, dto: EvaluateFlagsDto, ifNoneMatch?: string): Promise<{ etag: string; evaluation: SerializedEvaluation | 'unchanged' }> {
    if (!actor.user) throw DomainError.forbidden('Flags are evaluated for people');
    const tenant = await this.tenantFor(actor, dto.tenantSlug);
    const snapshot = await this.flags.snapshot();
    const subject = tenant
      ? { tenantId: tenant.id, plan: tenant.plan, partnerId: tenant.partnerId }
      : { tenantId: null, plan: null, partnerId: null };
    const slug = tenant?.slug ?? dto.tenantSlug ?? null;
    const etag = `W/"${createHash('sha256').update(JSON.stringify([snapshot.version, subject, slug])).digest('base64url').slice(0, 22)}"`;
    if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag)) return { etag, evaluation: 'unchanged' };
    let evaluation = this.evaluated.get(etag);
    if (!evaluation) {
      evaluation = JSON.stringify(evaluateAll(snapshot.flags, subject, slug)) as SerializedEvaluation;
      // The tag names the snapshot: maps of older snapshots are never asked for again and age out.
      if (this.evaluated.size >= EVALUATED_MAPS) this.evaluated.delete(this.evaluated.keys().next().value as string);
      this.evaluated.set(etag, evaluation);
    }
    return { etag, evaluation };
  }

  /**
   * The truth map one tenant would get if the draft flag were saved (added,
   * or in place of the flag with its key), with the draft's own answer.
   */
  async preview(dto: PreviewFlagDto): Promise<FlagEvaluation & { draft: FlagEvaluation['flags'][string] }> {
    const tenant = await this.tenants.findBySlug(dto.tenantSlug);
    if (!tenant) throw DomainError.notFound(`Tenant ${dto.tenantSlug}`);
    const snapshot = await this.flags.snapshot();
    const draft = { key: dto.flag.key, enabled: dto.flag.enabled ?? true, defaultValue: dto.flag.defaultValue ?? false, rules: (dto.flag.rules ?? []).map((rule) => ({ ...rule })) };
    const flags = [...snapshot.flags.filter((flag) => flag.key !== draft.key), draft].sort((a, b) => a.key.localeCompare(b.key));
    const evaluation = evaluateAll(flags, { tenantId: tenant.id, plan: tenant.plan, partnerId: tenant.partnerId }, tenant.slug);
    return { ...evaluation, draft: evaluation.flags[draft.key]! };
  }

  private async tenantFor(actor: Actor, slug: string | undefined): Promise<TenantRecord | null> {
    const user = actor.user!;
    if (slug === undefined) {
      const own = await this.memberships.listActiveForUser(user.id);
      return own.length === 1 ? await this.tenants.findById(own[0]!.scopeId) : null;
    }
    const tenant = await this.tenants.findBySlug(slug);
    if (actor.isOperator) return tenant;
    const member = tenant ? await this.memberships.findActive(tenant.id, user.id) : null;
    if (!member) throw DomainError.forbidden(`You are not a member of ${slug}`);
    return tenant;
  }

  private async find(key: string): Promise<FeatureFlagRecord> {
    const flag = await this.flags.findByKey(key);
    if (!flag) throw DomainError.notFound(`The flag "${key}"`);
    return flag;
  }
}

/** The DTO's fields as stored: dates parsed, rules as plain objects, absent fields left out. */
function fieldsOf(dto: UpdateFlagDto): Partial<FlagFields> {
  const fields: Partial<FlagFields> = {};
  if (dto.key !== undefined) fields.key = dto.key;
  if (dto.description !== undefined) fields.description = dto.description;
  if (dto.enabled !== undefined) fields.enabled = dto.enabled;
  if (dto.defaultValue !== undefined) fields.defaultValue = dto.defaultValue;
  if (dto.owner !== undefined) fields.owner = dto.owner;
  if (dto.expiresAt !== undefined) fields.expiresAt = new Date(dto.expiresAt);
  if (dto.rules !== undefined) fields.rules = dto.rules.map((rule) => ({ ...rule }));
  return fields;
}
