import type { Process } from "../../src/world/process.ts";
import type { Rng } from "../../src/world/rng.ts";
import type { Trace } from "../../src/world/trace.ts";

interface Waiter {
  readonly proc: Process;
  readonly release: () => void;
}

/**
 * A seeded scheduler for concurrent actors. Installed as the world's gate, it parks every
 * store call of every actor; once all unfinished actors are parked it releases one, drawn
 * from the seed. Turns therefore fall at store calls, every turn is in the trace, and the
 * same seed gives the same interleaving.
 */
export class Scheduler {
  private readonly waiting: Waiter[] = [];
  private readonly active = new Set<Process>();

  constructor(
    private readonly rng: Rng,
    private readonly trace: Trace,
  ) {}

  add(proc: Process): void {
    this.active.add(proc);
  }

  finish(proc: Process): void {
    this.active.delete(proc);
    this.maybeRelease();
  }

  readonly gate = (proc: Process): Promise<void> => {
    if (!this.active.has(proc)) return Promise.resolve();
    return new Promise<void>((release) => {
      this.waiting.push({ proc, release });
      this.maybeRelease();
    });
  };

  private maybeRelease(): void {
    const live = [...this.active].filter((p) => p.alive);
    if (this.waiting.length === 0 || this.waiting.length < live.length) return;
    // Arrival order is deterministic, but draw from a pid-sorted list so it need not be.
    this.waiting.sort((a, b) => a.proc.pid - b.proc.pid);
    const w = this.waiting.splice(this.rng.int(this.waiting.length), 1)[0] as Waiter;
    this.trace.push({ t: "turn", actor: w.proc.name });
    w.release();
  }
}
