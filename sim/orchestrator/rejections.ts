import { nextTurn } from "../../src/world/real/wall.ts";
import type { UniverseResult } from "../universe/result.ts";

/**
 * The unhandled promise rejections of one thread, each attributed to the universe the thread
 * was running. Without it, a floating promise in the model that rejects (a store call whose
 * `await` was dropped, then refused by a death or a fault) kills the whole process after the
 * fleet, once its summary has said that everything passed. One watch per thread that runs
 * universes, owned by what runs them (the fleet, a pool worker's loop, a replay): the listener
 * is process-wide, so it is added once and removed by `dispose`.
 */
export class RejectionWatch {
  /** The current universe's rejections; null between universes. */
  private caught: string[] | null = null;

  private readonly listener = (reason: unknown): void => {
    // Outside any universe it is the orchestrator's own bug: the process dies of it, as it
    // would have without the watch.
    if (this.caught === null) throw reason;
    this.caught.push(describe(reason));
  };

  private constructor() {
    process.on("unhandledRejection", this.listener);
  }

  static install(): RejectionWatch {
    return new RejectionWatch();
  }

  dispose(): void {
    process.off("unhandledRejection", this.listener);
  }

  /**
   * Runs one universe's work and keeps the rejections it leaves. Node reports a rejection as
   * unhandled once the microtask queue has drained, and a universe runs on microtasks alone
   * (its world has no timers or I/O): so after one turn of the event loop every rejection
   * the universe will ever leave has been reported, and none from the next universe can be.
   */
  async run<T>(work: () => Promise<T>): Promise<{ value: T; rejections: readonly string[] }> {
    if (this.caught !== null) throw new Error("a thread runs one universe at a time");
    const caught: string[] = [];
    this.caught = caught;
    try {
      const value = await work();
      await nextTurn();
      return { value, rejections: caught };
    } finally {
      this.caught = null;
    }
  }
}

/** The universe's result as a crash when it left unhandled rejections (a harness verdict). */
export function withRejections(r: UniverseResult, rejections: readonly string[]): UniverseResult {
  if (rejections.length === 0) return r;
  const text = `unhandled rejection (a floating promise: a missing await in the model?): ${rejections.join("; ")}`;
  return { ...r, verdict: "crash", error: r.error === undefined ? text : `${r.error}; ${text}` };
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
