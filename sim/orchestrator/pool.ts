import { Worker } from "node:worker_threads";
import type { DefectName } from "../../src/world/defects.ts";
import { nextTurn } from "../../src/world/real/wall.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { UniverseResult } from "../universe/result.ts";
import type { UniverseJob } from "./jobs.ts";
import { type WorkerEntry, workerEntry } from "./workerBundle.ts";

/** What crosses the thread boundary: plain data only; each universe is built inside its worker. */
export interface WireJob {
  readonly id: number;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly defects: readonly DefectName[];
  readonly checkDeterminism: boolean;
}

export type WireReply =
  | { readonly id: number; readonly ok: true; readonly result: UniverseResult }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** A job and its place in the fleet's job order (results are reported in that order). */
export interface IndexedJob {
  readonly index: number;
  readonly job: UniverseJob;
}

/** Jobs queued in a worker beyond the one it runs (covers a busy main thread's delay). */
const JOBS_AHEAD = 2;

/**
 * A fixed pool of worker threads pulling jobs in order, optionally joined by the calling thread
 * itself (`inline`: it is already loaded, so it starts at once and spares a thread's start-up).
 * Results come back keyed by job index, and the fleet reports them in index order, so what it
 * reports is the same for any pool size. At most `size * (JOBS_AHEAD + 1) + 1` jobs are in
 * flight at a time: the bound of the fleet's reorder buffer.
 */
export class UniversePool {
  private readonly workers: Worker[] = [];

  private constructor(
    size: number,
    readonly entry: WorkerEntry,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(new Worker(entry.url));
  }

  /** Starts `size` worker threads on the precompiled worker bundle (tsx if none can be built). */
  static async start(size: number, entry?: WorkerEntry): Promise<UniversePool> {
    return new UniversePool(size, entry ?? (await workerEntry()));
  }

  /**
   * Runs jobs drawn one at a time from `jobs` (a lazy plan is never drawn ahead of what runs)
   * until it ends or `shouldStop` says so, and every job sent is answered; each result comes
   * with its job's index in `jobs`. `abandon` settles the run at once, answered or not (a
   * second Ctrl-C; `close` then terminates the threads).
   */
  async runAll(
    jobs: Iterable<UniverseJob>,
    checkDeterminism: boolean,
    onResult: (job: UniverseJob, result: UniverseResult, index: number) => void,
    shouldStop: () => boolean,
    inline?: (job: UniverseJob) => Promise<UniverseResult>,
    abandon?: Promise<void>,
  ): Promise<void> {
    const source = jobs[Symbol.iterator]();
    let drawn = 0;
    const draw = (): IndexedJob | undefined => {
      if (shouldStop()) return undefined;
      const n = source.next();
      return n.done ? undefined : { index: drawn++, job: n.value };
    };
    // The calling thread as one more worker: a universe, then a turn of the event loop so the
    // pool's replies are taken (each thread has a job queued meanwhile), then the next.
    const driveInline = async (run: (job: UniverseJob) => Promise<UniverseResult>) => {
      for (let item = draw(); item !== undefined; item = draw()) {
        onResult(item.job, await run(item.job), item.index);
        await nextTurn();
      }
    };
    const drive = (w: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        // Jobs sent and not yet answered, by index. Each worker holds jobs ahead of the one it
        // runs, so it never waits for this thread between universes (it runs them one at a time).
        const inFlight = new Map<number, UniverseJob>();
        let drained = false;
        const send = () => {
          const item = drained ? undefined : draw();
          if (item === undefined) {
            drained = true;
            if (inFlight.size > 0) return;
            w.off("message", onMessage);
            w.off("error", onError);
            resolve();
            return;
          }
          inFlight.set(item.index, item.job);
          const wire: WireJob = {
            id: item.index,
            scenario: item.job.scenario,
            seed: item.job.seed,
            defects: item.job.defects,
            checkDeterminism,
          };
          w.postMessage(wire);
        };
        const onMessage = (reply: WireReply) => {
          const job = inFlight.get(reply.id) as UniverseJob;
          inFlight.delete(reply.id);
          if (!reply.ok) {
            reject(
              new Error(`worker failed on ${job.scenario.name} seed ${job.seed}: ${reply.error}`),
            );
            return;
          }
          onResult(job, reply.result, reply.id);
          send();
        };
        const onError = (e: Error) => reject(e);
        w.on("message", onMessage);
        w.on("error", onError);
        for (let i = 0; i <= JOBS_AHEAD; i++) send();
      });
    const all = Promise.all([
      ...this.workers.map(drive),
      ...(inline === undefined ? [] : [driveInline(inline)]),
    ]);
    await (abandon === undefined ? all : Promise.race([all, abandon]));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
