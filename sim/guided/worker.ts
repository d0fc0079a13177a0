import { parentPort } from "node:worker_threads";
import { RejectionWatch } from "../orchestrator/rejections.ts";
import { jobContext } from "../orchestrator/runJob.ts";
import { executeTask } from "./execute.ts";
import type { GuidedReply, GuidedWire } from "./pool.ts";

/**
 * A guided fleet's worker thread: runs the candidates it is sent one at a time, in the order
 * they come, each with this thread's model, oracles and births, and answers each by a message.
 */
if (parentPort === null) throw new Error("sim/guided/worker.ts must run as a worker thread");
const port = parentPort;
const ctx = jobContext();
const watch = RejectionWatch.install();
/** This thread's queue of candidates and whether it is draining them (one object, no `let`). */
const state = { queue: [] as GuidedWire[], running: false };

async function answer(job: GuidedWire): Promise<GuidedReply> {
  try {
    return { id: job.id, ok: true, outcome: await executeTask(job.task, ctx, watch) };
  } catch (e) {
    return {
      id: job.id,
      ok: false,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
}

async function drain(): Promise<void> {
  state.running = true;
  for (let job = state.queue.shift(); job !== undefined; job = state.queue.shift())
    port.postMessage(await answer(job));
  state.running = false;
}

port.on("message", (job: GuidedWire) => {
  state.queue.push(job);
  // Not awaited: drain answers every job by a message (answer turns a failure into a reply).
  if (!state.running) void drain();
});
