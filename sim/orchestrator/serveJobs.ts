import type { MessagePort } from "node:worker_threads";
import type { WireJob, WireReply } from "./pool.ts";
import { RejectionWatch } from "./rejections.ts";
import { type JobContext, runJob } from "./runJob.ts";

/**
 * A pool thread's loop: builds every universe it is sent from scratch, inside this thread,
 * with `ctx` (the model's, or a test's broken one). Jobs arrive ahead of time (the pool keeps
 * some queued); they run strictly one at a time, so the thread's rejection watch, installed
 * for the thread's life, knows whose a rejection is.
 */
export function serveJobs(port: MessagePort, ctx: JobContext): void {
  const watch = RejectionWatch.install();
  const queue: WireJob[] = [];
  let running = false;
  const drain = async (): Promise<void> => {
    running = true;
    for (let job = queue.shift(); job !== undefined; job = queue.shift())
      port.postMessage(await runOne(job, ctx, watch));
    running = false;
  };
  port.on("message", (job: WireJob) => {
    queue.push(job);
    // Not awaited: a message handler cannot wait, and drain answers every job it takes by a
    // message (runOne turns any failure into a reply), so nothing of it can reject unseen.
    if (!running) void drain();
  });
}

async function runOne(job: WireJob, ctx: JobContext, watch: RejectionWatch): Promise<WireReply> {
  try {
    const result = await runJob(
      { scenario: job.scenario, seed: job.seed, defects: job.defects },
      job.checkDeterminism,
      ctx,
      watch,
    );
    return { id: job.id, ok: true, result };
  } catch (e) {
    return {
      id: job.id,
      ok: false,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
}
