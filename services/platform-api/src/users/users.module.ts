import { Module } from '@nestjs/common';
import { UsersService } from './users.service';

/** The people behind tokens (the repository comes with the DatabaseModule). */
@Module({
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
