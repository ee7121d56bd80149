import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { PLANS, type Plan } from '@tessera/contracts';
import type { Model } from 'mongoose';
import { CacheBus } from '../common/cache-bus';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type { ReadCache } from '../common/read-cache';
import { BACKUP_DEFAULTS } from './plan-defaults';
import type { CatalogPlan, PlanFields, PlanRecord } from './plan.schema';

const CACHE_KEY = 'plans:all';

const toRecord = (row: CatalogPlan): PlanRecord => ({
  key: row._id,
  name: row.name,
  description: row.description ?? '',
  limits: { cpus: row.limits.cpus, memoryMb: row.limits.memoryMb, pids: row.limits.pids },
  prices: row.prices.map((price) => ({ currency: price.currency, monthlyPrice: price.monthlyPrice })),
  sleeps: row.sleeps,
  idleSeconds: row.idleSeconds,
  template: {
    image: row.template.image,
    command: [...row.template.command],
    services: row.template.services.map((service) => ({ name: service.name, port: service.port, default: service.default })),
  },
  backups: row.backups ? { intervalHours: row.backups.intervalHours, keepLast: row.backups.keepLast, keepDaily: row.backups.keepDaily } : { ...BACKUP_DEFAULTS[row._id] },
  archived: row.archived ?? false,
  editedAt: row.editedAt ?? null,
  updatedAt: row.updatedAt,
});

@Injectable()
export class PlansRepository {
  /** Read by provisioning, the edge and every sign-up: the whole catalogue, kept for the read-cache TTL, dropped on a change. */
  private readonly cache: ReadCache<PlanRecord[]>;

  constructor(
    @InjectModel(MODEL.plan) private readonly plans: Model<CatalogPlan>,
    private readonly bus: CacheBus,
  ) {
    this.cache = bus.cache();
  }

  /** Every plan, in the order of PLANS. */
  list(): Promise<PlanRecord[]> {
    return this.cache.get(CACHE_KEY, async () => {
      const rows = await this.plans.find({}).lean<CatalogPlan[]>().exec();
      return rows.map(toRecord).sort((a, b) => PLANS.indexOf(a.key) - PLANS.indexOf(b.key));
    });
  }

  /**
   * Writes a plan's defaults unless an operator has edited it: a missing plan
   * is created, one never edited is brought to the defaults. Safe when two
   * processes start at once (the loser of the insert leaves the winner's).
   */
  async seed(key: Plan, defaults: PlanFields): Promise<void> {
    try {
      const existing = await this.plans.findById(key, { editedAt: 1 }).lean<Pick<CatalogPlan, 'editedAt'>>().exec();
      if (!existing) await this.plans.create({ _id: key, ...defaults, archived: false, editedAt: null });
      else if (!existing.editedAt) await this.plans.updateOne({ _id: key, editedAt: null }, { $set: defaults }).exec();
    } catch (error: unknown) {
      if (!isDuplicateKeyError(error)) throw error;
    } finally {
      await this.bus.invalidate(CACHE_KEY);
    }
  }

  /** An operator's change: the plan is marked edited, so the environment no longer seeds it. */
  async update(key: Plan, changes: Partial<PlanFields & { archived: boolean }>, at: Date): Promise<PlanRecord | null> {
    const row = await this.plans.findByIdAndUpdate(key, { $set: { ...changes, editedAt: at } }, { returnDocument: 'after' }).lean<CatalogPlan>().exec();
    await this.bus.invalidate(CACHE_KEY);
    return row ? toRecord(row) : null;
  }
}
