import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { CacheBus } from './cache-bus';
import { CacheInvalidationsRepository } from './cache-invalidations.repository';
import { Clock } from './clock';
import { LogNotifier, Notifier } from './notifier';

/**
 * The clock (a test passes its own), the read caches (and the invalidations
 * they share with other API processes) and the notifier port,
 * for every module. The app binds the port to the notifications outbox
 * (`notifier`, provided by a global module); without it notices are logged.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(clock: Clock = new Clock(), notifier?: Type<Notifier>): DynamicModule {
    const binding = notifier ? { provide: Notifier, useExisting: notifier } : { provide: Notifier, useClass: LogNotifier };
    return { module: CommonModule, providers: [{ provide: Clock, useValue: clock }, CacheInvalidationsRepository, CacheBus, binding], exports: [Clock, CacheBus, Notifier] };
  }
}
