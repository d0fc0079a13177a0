import { parentPort } from "node:worker_threads";
import type { WireJob, WireReply } from "./pool.ts";
import { runJob } from "./runJob.ts";

/** A pool thread: builds every universe it is sent from scratch, inside this thread. */
const port = parentPort;
if (port === null) throw new Error("worker.ts must run as a worker thread");
port.on("message", async (job: WireJob) => {
  let reply: WireReply;
  try {
    const result = await runJob(
      { scenario: job.scenario, seed: job.seed, defects: job.defects },
      job.checkDeterminism,
    );
    reply = { id: job.id, ok: true, result };
  } catch (e) {
    reply = {
      id: job.id,
      ok: false,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
  port.postMessage(reply);
});
