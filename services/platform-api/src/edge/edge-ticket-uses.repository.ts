import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/domain-error';
import { MODEL } from '../common/model-names';
import type { EdgeTicketUse } from './edge-ticket-use.schema';

@Injectable()
export class EdgeTicketUsesRepository {
  constructor(@InjectModel(MODEL.edgeTicketUse) private readonly uses: Model<EdgeTicketUse>) {}

  /** Records the ticket's use; false when it had been used already. */
  async use(nonce: string, at: Date): Promise<boolean> {
    try {
      await this.uses.create({ _id: nonce, usedAt: at });
      return true;
    } catch (error: unknown) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }
}
