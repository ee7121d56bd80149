import { Injectable } from '@nestjs/common';

/**
 * The time, behind a port. `now()` is the platform's time: expiries, idle
 * times, records. Tests replace the Clock (createApp's `clock`) and move it
 * instead of sleeping. `monotonic()` measures and bounds real waits (a
 * probe's latency, how long to poll for a lease) and is never moved.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  /** Milliseconds on a monotonic timer. */
  monotonic(): number {
    return performance.now();
  }
}
