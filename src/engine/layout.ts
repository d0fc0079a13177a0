import { rethrowDeath } from "../world/process.ts";

/**
 * Where things live under a graph root (spec §1.7, abstracted from Lance datasets to plain
 * versioned objects). Every key here is relative to the root.
 */

export const SCHEMA_PG = "_schema.pg";
export const SCHEMA_IR = "_schema.ir.json";
export const SCHEMA_STATE = "__schema_state.json";
export const SCHEMA_PG_STAGING = "_schema.pg.staging";
export const SCHEMA_IR_STAGING = "_schema.ir.json.staging";
export const SCHEMA_STATE_STAGING = "__schema_state.json.staging";

export const SCHEMA_FILES = [SCHEMA_PG, SCHEMA_IR, SCHEMA_STATE] as const;
export const STAGING_FILES = [SCHEMA_PG_STAGING, SCHEMA_IR_STAGING, SCHEMA_STATE_STAGING] as const;

/** `__manifest/versions/<10 digits>.json`: main's manifest history, one object per version. */
export const MANIFEST_VERSIONS_DIR = "__manifest/versions";
/** `__manifest/branches/<encoded name>.json`: refs of every branch other than main. */
export const MANIFEST_BRANCHES_DIR = "__manifest/branches";
export const RECOVERY_DIR = "__recovery";
export const COMMITS_DIR = "_graph_commits.lance";
export const RECOVERY_AUDIT_DIR = "_graph_commit_recoveries.lance";
/**
 * `_graph_commits.lance/_refs/branches/<encoded name>.json`: the commit graph's own branches
 * (Lance's branch-contents file of the commit-graph dataset), one per manifest branch.
 */
export const COMMIT_GRAPH_BRANCHES_DIR = `${COMMITS_DIR}/_refs/branches`;

/** The only internal system branch: the schema-apply lock. */
export const SCHEMA_APPLY_LOCK_BRANCH = "__schema_apply_lock__";

export function manifestVersionKey(version: number): string {
  return `${MANIFEST_VERSIONS_DIR}/${String(version).padStart(10, "0")}.json`;
}

export function parseManifestVersionName(name: string): number | null {
  const m = /^([0-9]{10})\.json$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function branchKey(name: string): string {
  return `${MANIFEST_BRANCHES_DIR}/${encodeURIComponent(name)}.json`;
}

export function commitGraphBranchKey(name: string): string {
  return `${COMMIT_GRAPH_BRANCHES_DIR}/${encodeURIComponent(name)}.json`;
}

export function parseBranchName(file: string): string | null {
  if (!file.endsWith(".json")) return null;
  try {
    return decodeURIComponent(file.slice(0, -".json".length));
  } catch (e) {
    rethrowDeath(e);
    return null;
  }
}

/** 64-bit FNV-1a as 16 hex digits: how upstream names a type's dataset directory. */
export function fnv1a64Hex(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** `nodes/<hash>` or `edges/<hash>` for a table key such as `node:Person`. */
export function tablePathFor(tableKey: string): string {
  const dir = tableKey.startsWith("edge:") ? "edges" : "nodes";
  return `${dir}/${fnv1a64Hex(tableKey)}`;
}

export function tableVersionKey(tablePath: string, version: number): string {
  return `${tablePath}/v${String(version).padStart(10, "0")}.json`;
}

export function parseTableVersionName(name: string): number | null {
  const m = /^v([0-9]{10})\.json$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function sidecarKey(operationId: string): string {
  return `${RECOVERY_DIR}/${operationId}.json`;
}
