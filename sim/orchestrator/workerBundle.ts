import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLE_DIR, bundle } from "../bundle.mjs";
import { REPO_ROOT } from "../paths.ts";

export { BUNDLE_DIR };

/** The TypeScript entry through tsx: what a worker loads when no bundle can be built. */
const TSX_ENTRY = pathToFileURL(join(REPO_ROOT, "sim/orchestrator/worker-entry.mjs"));

export interface WorkerEntry {
  readonly url: URL;
  readonly kind: "bundle" | "tsx";
  /** Why the tsx entry was used instead of a bundle. */
  readonly reason?: string;
}

/**
 * The worker thread's code as one precompiled ES module (sim/bundle.mjs). A thread that
 * registers tsx pays a few hundred milliseconds transpiling and resolving every module before
 * its first universe; a bundle loads in a fraction of that.
 */
export async function workerEntry(): Promise<WorkerEntry> {
  const b = await bundle("sim/orchestrator/worker.ts", "worker");
  if (b.ok) return { url: b.url, kind: "bundle" };
  // Slower, same results: say so rather than let a broken build pass unnoticed.
  process.stderr.write(`omnigraph-sim: workers run through tsx (no bundle: ${b.reason})\n`);
  return { url: TSX_ENTRY, kind: "tsx", reason: b.reason };
}
