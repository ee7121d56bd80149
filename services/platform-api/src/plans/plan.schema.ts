import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Plan, PlanBackups, PlanLimits, PlanPrice, PlanTemplate } from '@tessera/contracts';
import type { HydratedDocument } from 'mongoose';

/**
 * One plan of the catalogue, `_id` its key (free, starter, business,
 * enterprise). Never deleted: an archived plan is kept by the tenants on it.
 */
@Schema({ collection: 'plans', timestamps: true })
export class CatalogPlan {
  @Prop({ type: String, required: true })
  _id: Plan;

  @Prop({ required: true })
  name: string;

  @Prop({ type: String, default: '' })
  description: string;

  @Prop({ type: Object, required: true })
  limits: PlanLimits;

  /** The first is the list currency. */
  @Prop({ type: [Object], required: true })
  prices: PlanPrice[];

  @Prop({ required: true })
  sleeps: boolean;

  @Prop({ required: true, min: 0 })
  idleSeconds: number;

  @Prop({ type: Object, required: true })
  template: PlanTemplate;

  /** Scheduled backups and retention; absent on plans stored before backups existed (the defaults then apply). */
  @Prop({ type: Object, default: null })
  backups: PlanBackups | null;

  @Prop({ required: true, default: false })
  archived: boolean;

  /** Null until an operator changes the plan: until then each start writes the environment's defaults. */
  @Prop({ type: Date, default: null })
  editedAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type CatalogPlanDocument = HydratedDocument<CatalogPlan>;
export const CatalogPlanSchema = SchemaFactory.createForClass(CatalogPlan);
// The catalogue is four documents read whole by _id: no other index.

/** A plan as the rest of the API sees it: plain data. */
export interface PlanRecord {
  key: Plan;
  name: string;
  description: string;
  limits: PlanLimits;
  prices: PlanPrice[];
  sleeps: boolean;
  idleSeconds: number;
  template: PlanTemplate;
  backups: PlanBackups;
  archived: boolean;
  editedAt: Date | null;
  updatedAt: Date;
}

/** What a seed or an operator writes. */
export type PlanFields = Omit<PlanRecord, 'key' | 'archived' | 'editedAt' | 'updatedAt'>;
