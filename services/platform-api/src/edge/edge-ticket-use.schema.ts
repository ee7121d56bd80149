import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * A sign-in ticket that has been exchanged: its nonce is the primary key, so
 * the second exchange of one ticket fails on insert (the primary key decides,
 * on FerretDB as on MongoDB).
 */
@Schema({ collection: 'edge_ticket_uses' })
export class EdgeTicketUse {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Date, required: true })
  usedAt: Date;
}

export type EdgeTicketUseDocument = HydratedDocument<EdgeTicketUse>;
export const EdgeTicketUseSchema = SchemaFactory.createForClass(EdgeTicketUse);
// No index beyond the primary key: the insert is the only query. FerretDB v1 has no
// TTL indexes, so used nonces stay (a few dozen bytes per sign-in to a workspace).
