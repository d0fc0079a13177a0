import { parentPort } from "node:worker_threads";
import type { WireJob, WireReply } from "./pool.ts";
import { jobContext, runJob } from "./runJob.ts";

/** A pool thread: builds every universe it is sent from scratch, inside this thread. */
const port = parentPort;
if (port === null) throw new Error("worker.ts must run as a worker thread");
/** This thread's model, oracles and births, shared by every universe it runs. */
const ctx = jobContext();
serve(port);

/** Jobs arrive ahead of time (the pool keeps some queued); they run strictly one at a time. */
function serve(p: NonNullable<typeof parentPort>): void {
  const queue: WireJob[] = [];
  let running = false;
  const drain = async (): Promise<void> => {
    running = true;
    for (let job = queue.shift(); job !== undefined; job = queue.shift())
      p.postMessage(await runOne(job));
    running = false;
  };
  p.on("message", (job: WireJob) => {
    queue.push(job);
    if (!running) void drain();
  });
}

async function runOne(job: WireJob): Promise<WireReply> {
  try {
    const result = await runJob(
      { scenario: job.scenario, seed: job.seed, defects: job.defects },
      job.checkDeterminism,
      ctx,
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
