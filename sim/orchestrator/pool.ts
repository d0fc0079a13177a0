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

/** Jobs queued in a worker beyond the one it runs (covers a busy main thread's delay). */
const JOBS_AHEAD = 2;

/**
 * A fixed pool of worker threads pulling jobs in order, optionally joined by the calling thread
 * itself (`inline`: it is already loaded, so it starts at once and spares a thread's start-up).
 * Results come back keyed by job id, so the fleet's report is the same for any pool size; only
 * progress order can differ.
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

  async runAll(
    jobs: readonly UniverseJob[],
    checkDeterminism: boolean,
    onResult: (job: UniverseJob, result: UniverseResult) => void,
    shouldStop: () => boolean,
    inline?: (job: UniverseJob) => Promise<UniverseResult>,
  ): Promise<void> {
    let next = 0;
    // The calling thread as one more worker: a universe, then a turn of the event loop so the
    // pool's replies are taken (each thread has a job queued meanwhile), then the next.
    const driveInline = async (run: (job: UniverseJob) => Promise<UniverseResult>) => {
      while (next < jobs.length && !shouldStop()) {
        const job = jobs[next++] as UniverseJob;
        onResult(job, await run(job));
        await nextTurn();
      }
    };
    const drive = (w: Worker): Promise<void> =>
      new Promise((resolve, reject) => {
        // Jobs sent and not yet answered. Each worker holds jobs ahead of the one it runs, so
        // it never waits for this thread between universes (it runs them one at a time).
        let inFlight = 0;
        const send = () => {
          if (next >= jobs.length || shouldStop()) {
            if (inFlight > 0) return;
            w.off("message", onMessage);
            w.off("error", onError);
            resolve();
            return;
          }
          inFlight++;
          const id = next++;
          const job = jobs[id] as UniverseJob;
          const wire: WireJob = {
            id,
            scenario: job.scenario,
            seed: job.seed,
            defects: job.defects,
            checkDeterminism,
          };
          w.postMessage(wire);
        };
        const onMessage = (reply: WireReply) => {
          inFlight--;
          const job = jobs[reply.id] as UniverseJob;
          if (!reply.ok) {
            reject(
              new Error(`worker failed on ${job.scenario.name} seed ${job.seed}: ${reply.error}`),
            );
            return;
          }
          onResult(job, reply.result);
          send();
        };
        const onError = (e: Error) => reject(e);
        w.on("message", onMessage);
        w.on("error", onError);
        for (let i = 0; i <= JOBS_AHEAD; i++) send();
      });
    await Promise.all([
      ...this.workers.map(drive),
      ...(inline === undefined ? [] : [driveInline(inline)]),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
