import { Injectable } from '@nestjs/common';

/** The time, behind a port so a unit test can set it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
