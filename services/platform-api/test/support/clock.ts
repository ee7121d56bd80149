import { Clock } from '../../src/common/clock';

/**
 * The platform's clock in tests: real time plus an offset the test moves
 * forward. A test waits for an expiry by moving the clock, not by sleeping;
 * tokens issued meanwhile stay valid because the clock never stands still.
 */
export class TestClock extends Clock {
  private offsetMs = 0;

  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves the platform's time forward by `ms`. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
