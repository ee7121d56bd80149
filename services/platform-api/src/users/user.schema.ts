import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

@Schema({ collection: 'users', timestamps: true })
export class User {
  /** The identity provider's subject (`sub`). */
  @Prop({ required: true })
  subject: string;

  @Prop({ required: true, default: '' })
  email: string;

  @Prop({ required: true, default: '' })
  name: string;

  @Prop({ type: String, default: null })
  username: string | null;

  /** The database, not the token, says who is a platform admin. */
  @Prop({ required: true, default: false })
  platformAdmin: boolean;

  @Prop({ type: Date, default: null })
  lastSeenAt: Date | null;

  /**
   * Set when an operator disabled the account: from then on the API refuses
   * its tokens and the edge its workspace cookie. Null while it may sign in.
   */
  @Prop({ type: Date, default: null })
  disabledAt: Date | null;

  createdAt: Date;
  updatedAt: Date;
}

export type UserDocument = HydratedDocument<User>;
export const UserSchema = SchemaFactory.createForClass(User);

/** A user as the rest of the API sees it: plain data, the id as a string. */
export interface UserRecord {
  id: string;
  subject: string;
  email: string;
  name: string;
  username: string | null;
  platformAdmin: boolean;
  lastSeenAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

// Serves the per-request actor lookup: users.findOne({ subject }).
UserSchema.index({ subject: 1 }, { unique: true });
// Serves adding a member by email: users.findOne({ email }).
UserSchema.index({ email: 1 });
// Serves the People list's admin filter and the count of platform admins: users.find({ platformAdmin: true }).
UserSchema.index({ platformAdmin: 1 });
// Serves the People list, newest first: users.find(…).sort({ createdAt: -1 }).
UserSchema.index({ createdAt: -1 });
