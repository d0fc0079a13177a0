import { monotonicFactory } from "ulid";
import type { Clock } from "./clock.ts";

/** Mints the ULIDs used for operation, lock, approval and engine-sidecar ids. */
export interface Ids {
  ulid(): string;
}

/**
 * ULIDs from the `ulid` package, fed the world's clock and random source: deterministic in
 * simulation, real in production (when given the real clock and random source).
 */
export class UlidIds implements Ids {
  private readonly factory: (seedTime?: number) => string;

  constructor(
    private readonly clock: Clock,
    random: () => number,
  ) {
    this.factory = monotonicFactory(random);
  }

  ulid(): string {
    return this.factory(this.clock.now());
  }
}
