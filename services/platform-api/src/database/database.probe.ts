import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

/** The database's answer to a ping: the system health probe asks it. */
@Injectable()
export class DatabaseProbe {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async ping(): Promise<void> {
    await this.connection.db!.admin().ping();
  }
}
