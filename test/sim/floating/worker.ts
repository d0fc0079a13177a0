import { parentPort } from "node:worker_threads";
import { serveJobs } from "../../../sim/orchestrator/serveJobs.ts";
import { contextWith, rejectingApply } from "./systems.ts";

/** A pool thread running the model with the planted rejection (bundled by fleet.ts). */
if (parentPort === null) throw new Error("a worker thread entry");
serveJobs(parentPort, contextWith(rejectingApply()));
