import type { Clock } from "../clock.ts";

/** The production clock: the only place model time meets the wall clock. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  nowIso(): string {
    return new Date().toISOString();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
