import { parentPort } from "node:worker_threads";
import { jobContext } from "./runJob.ts";
import { serveJobs } from "./serveJobs.ts";

/** A pool thread running the model: its own model, oracles and births for every universe. */
if (parentPort === null) throw new Error("worker.ts must run as a worker thread");
serveJobs(parentPort, jobContext());
