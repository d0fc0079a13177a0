import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { nextTurn } from "../../src/world/real/wall.ts";
import { bundle } from "../bundle.mjs";
import type { RejectionWatch } from "../orchestrator/rejections.ts";
import type { JobContext } from "../orchestrator/runJob.ts";
import { REPO_ROOT } from "../paths.ts";
import { executeTask, type GuidedOutcome, type GuidedTask } from "./execute.ts";

export interface GuidedWire {
  readonly id: number;
  readonly task: GuidedTask;
}

export type GuidedReply =
  | { readonly id: number; readonly ok: true; readonly outcome: GuidedOutcome }
  | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * The guided fleet's threads: `size` worker threads and the calling thread, running one
 * generation's candidates. Results come back by candidate index, so what a generation yields
 * is the same for any number of threads.
 */
export class GuidedPool {
  private constructor(private readonly workers: readonly Worker[]) {}

  static async start(size: number): Promise<GuidedPool> {
    if (size <= 0) return new GuidedPool([]);
    const b = await bundle("sim/guided/worker.ts", "guided-worker");
    let url: URL;
    if (b.ok) url = b.url;
    else {
      process.stderr.write(
        `omnigraph-sim: guided workers run through tsx (no bundle: ${b.reason})\n`,
      );
      url = pathToFileURL(join(REPO_ROOT, "sim/guided/worker-entry.mjs"));
    }
    return new GuidedPool(Array.from({ length: size }, () => new Worker(url)));
  }

  /** Runs every task (each thread takes the next one when free); results in task order. */
  async run(
    tasks: readonly GuidedTask[],
    ctx: JobContext,
    watch: RejectionWatch,
  ): Promise<GuidedOutcome[]> {
    const out: GuidedOutcome[] = new Array(tasks.length);
    let next = 0;
    const take = (): number | undefined => (next < tasks.length ? next++ : undefined);
    const inline = async () => {
      for (let i = take(); i !== undefined; i = take()) {
        out[i] = await executeTask(tasks[i] as GuidedTask, ctx, watch);
        // A turn of the event loop, so the workers' replies are taken between universes.
        await nextTurn();
      }
    };
    const drive = (w: Worker) =>
      new Promise<void>((resolve, reject) => {
        const send = () => {
          const i = take();
          if (i === undefined) {
            w.off("message", onMessage);
            w.off("error", reject);
            resolve();
            return;
          }
          const wire: GuidedWire = { id: i, task: tasks[i] as GuidedTask };
          w.postMessage(wire);
        };
        const onMessage = (reply: GuidedReply) => {
          if (!reply.ok) {
            w.off("message", onMessage);
            reject(new Error(`guided worker failed on candidate ${reply.id}: ${reply.error}`));
            return;
          }
          out[reply.id] = reply.outcome;
          send();
        };
        w.on("message", onMessage);
        w.on("error", reject);
        send();
      });
    await Promise.all([...this.workers.map(drive), inline()]);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
