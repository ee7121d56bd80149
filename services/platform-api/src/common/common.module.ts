import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CacheBus } from './cache-bus';
import { Clock } from './clock';

/** The clock (a test passes its own) and the read caches, for every module. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock = new Clock()): DynamicModule {
    return { module: CommonModule, providers: [{ provide: Clock, useValue: clock }, CacheBus], exports: [Clock, CacheBus] };
  }
}
