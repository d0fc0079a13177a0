// Precompiled entry points: one ES module per entry, built by esbuild, cached by content.
// Plain JavaScript so that the CLI launcher can use it before anything can load TypeScript.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";

/**
 * The repository root: this file's parent folder, or, once this file is itself inside a
 * bundle (the CLI's bundle builds the workers'), the root the bundle was built with.
 */
export const REPO_ROOT =
  typeof __OMNIGRAPH_SIM_ROOT__ === "string"
    ? __OMNIGRAPH_SIM_ROOT__
    : join(import.meta.dirname, "..");

/** Where bundles live: inside node_modules, so the bundle's package imports resolve. */
export const BUNDLE_DIR = join(REPO_ROOT, "node_modules/.cache/omnigraph-sim");

/**
 * Bundles `entry` (a path from the repository root) into one ES module and returns its URL,
 * or the reason it could not. Built afresh each time (esbuild takes about 0.1 s), so a bundle
 * is never stale; stored under its content hash and renamed into place, so concurrent runs
 * never read a half-written file. Packages stay external, resolved from node_modules.
 */
export async function bundle(entry, prefix) {
  let text;
  try {
    const { build } = await import("esbuild");
    const out = await build({
      entryPoints: [join(REPO_ROOT, entry)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      logLevel: "silent",
      absWorkingDir: REPO_ROOT,
      define: { __OMNIGRAPH_SIM_ROOT__: JSON.stringify(REPO_ROOT) },
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new Error("esbuild produced no output");
    text = file.text;
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const name = `${prefix}-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.mjs`;
  const path = join(BUNDLE_DIR, name);
  if (!existsSync(path)) {
    mkdirSync(BUNDLE_DIR, { recursive: true });
    // Written and renamed synchronously: only another process or thread can interleave.
    const tmp = `${path}.${process.pid}.${threadId}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  }
  return { ok: true, url: pathToFileURL(path), path };
}
