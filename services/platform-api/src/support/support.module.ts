import { Module } from '@nestjs/common';
import { SupportController } from './support.controller';
import { SupportExpirySweep } from './support-expiry.service';
import { SupportService } from './support.service';

@Module({
  controllers: [SupportController],
  providers: [SupportService, SupportExpirySweep],
})
export class SupportModule {}
