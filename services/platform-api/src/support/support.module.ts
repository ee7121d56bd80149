import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { SupportDataModule } from './support-data.module';
import { SupportController } from './support.controller';
import { SupportService } from './support.service';

@Module({
  imports: [SupportDataModule, UsersModule],
  controllers: [SupportController],
  providers: [SupportService],
})
export class SupportModule {}
