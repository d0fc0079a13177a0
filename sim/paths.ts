import { join } from "node:path";

/** Set by the esbuild bundles (sim/bundle.mjs), which live outside the source tree. */
declare const __OMNIGRAPH_SIM_ROOT__: string | undefined;

/**
 * The repository root (scenarios, README, golden file, node_modules). From source it is this
 * file's parent folder; a bundle is built with the root written in, since its own location
 * says nothing about where the sources are.
 */
export const REPO_ROOT: string =
  typeof __OMNIGRAPH_SIM_ROOT__ === "string"
    ? __OMNIGRAPH_SIM_ROOT__
    : join(import.meta.dirname, "..");
