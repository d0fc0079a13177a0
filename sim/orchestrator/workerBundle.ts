import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";

const ROOT = join(import.meta.dirname, "../..");
const ENTRY = join(import.meta.dirname, "worker.ts");
/** Where bundles live: inside node_modules, so the bundle's package imports resolve. */
export const BUNDLE_DIR = join(ROOT, "node_modules/.cache/omnigraph-sim");
/** The TypeScript entry through tsx: what a worker loads when no bundle can be built. */
const TSX_ENTRY = new URL("./worker-entry.mjs", import.meta.url);

export interface WorkerEntry {
  readonly url: URL;
  readonly kind: "bundle" | "tsx";
  /** Why the tsx entry was used instead of a bundle. */
  readonly reason?: string;
}

/**
 * The worker thread's code as one precompiled ES module. A thread that registers tsx pays
 * a few hundred milliseconds transpiling and resolving every module before its first universe;
 * a bundle loads in a fraction of that. Built afresh for each pool (esbuild takes ~0.1 s), so
 * it is never stale; stored under its content hash and renamed into place, so concurrent
 * fleets never read a half-written file. Packages stay external (resolved from node_modules).
 */
export async function workerEntry(): Promise<WorkerEntry> {
  let text: string;
  try {
    const { build } = await import("esbuild");
    const out = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      logLevel: "silent",
      absWorkingDir: ROOT,
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new Error("esbuild produced no output");
    text = file.text;
  } catch (e) {
    return { url: TSX_ENTRY, kind: "tsx", reason: e instanceof Error ? e.message : String(e) };
  }
  const name = `worker-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.mjs`;
  const path = join(BUNDLE_DIR, name);
  if (!existsSync(path)) {
    mkdirSync(BUNDLE_DIR, { recursive: true });
    // Written and renamed synchronously: only another process or thread can interleave.
    const tmp = `${path}.${process.pid}.${threadId}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  }
  return { url: pathToFileURL(path), kind: "bundle" };
}
