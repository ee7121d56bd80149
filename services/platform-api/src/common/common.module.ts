import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CacheBus } from './cache-bus';
import { Clock } from './clock';
import { LogNotifier, Notifier } from './notifier';

/** The clock (a test passes its own), the read caches and the notifier port (logging until notifications bind it), for every module. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock = new Clock()): DynamicModule {
    return { module: CommonModule, providers: [{ provide: Clock, useValue: clock }, CacheBus, { provide: Notifier, useClass: LogNotifier }], exports: [Clock, CacheBus, Notifier] };
  }
}
