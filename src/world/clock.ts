/** Time as the model sees it: milliseconds since the epoch. */
export interface Clock {
  now(): number;
  /** RFC 3339 text for `now()`, as upstream timestamps are written. */
  nowIso(): string;
  /** Waits `ms` of this clock's time (simulated clocks just advance). */
  sleep(ms: number): Promise<void>;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** 2026-01-01T00:00:00Z: a fixed, readable birth time for simulated worlds. */
export const SIM_EPOCH_MS = 1_767_225_600_000;

/**
 * A simulated clock. Each read advances time by `tickMs`, so successive timestamps (and the
 * ULIDs minted from them) are distinct and ordered without any real time involved.
 */
export class SimClock implements Clock {
  private ms: number;

  constructor(
    startMs: number = SIM_EPOCH_MS,
    private readonly tickMs: number = 1,
  ) {
    this.ms = startMs;
  }

  now(): number {
    const t = this.ms;
    this.ms += this.tickMs;
    return t;
  }

  nowIso(): string {
    return isoOf(this.now());
  }

  /** The current time without advancing it. */
  peek(): number {
    return this.ms;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError("a simulated clock never goes back");
    this.ms += ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
  }
}
