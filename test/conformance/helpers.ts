/**
 * Helpers for the upstream conformance suite (Omnigraph @7fd23c54): the seeds of
 * crates/omnigraph-cluster/tests/failpoints.rs that the shared fixture does not already
 * carry, and the two ways a failpoint can end a run (an injected error through the normal
 * error path, or real process death).
 */
import { expect } from "vitest";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { ApplyOptions, ApplyOutput } from "../../src/cluster/index.ts";
import { sha256Hex } from "../../src/cluster/index.ts";
import { openGraph } from "../../src/engine/index.ts";
import { type ClusterFixture, clusterFixture, codes } from "../cluster/fixture.ts";

export type Mode = "error" | "crash";
export const MODES: readonly Mode[] = ["error", "crash"];

/** tests/failpoints.rs `fixture()`: the shared files, cluster.yaml without `metadata:`. */
export function failpointsFixture(): ClusterFixture {
  return clusterFixture({ variant: "failpoints" });
}

/** failpoints.rs `seed_empty_state`, byte-exact (raw text, trailing newline). */
export async function seedFailpointsEmptyState(f: ClusterFixture): Promise<void> {
  await f.put(
    "__cluster/state.json",
    '{\n  "version": 1,\n  "state_revision": 1,\n  "applied_revision": { "resources": {} }\n}\n',
  );
}

/**
 * failpoints.rs `converge_with_live_graph`: init the live graph, seed the applyable state
 * (placeholder composite `seed`), one apply that must be ok and converged.
 */
export async function convergeWithLiveGraph(f: ClusterFixture): Promise<void> {
  await f.initLiveGraph();
  await f.seedFailpointsApplyableState();
  const out = await f.apply();
  expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
}

/**
 * failpoints.rs `seed_approved_delete`: the desired `graph.knowledge`/`schema.knowledge`
 * digests (from validate) plus a stale `old` subtree (`graph.old` 3333, `schema.old` 4444)
 * with a fake root holding a `stale` `_schema.pg`, and an approval for deleting `graph.old`
 * by `test-actor`. Returns the approval id.
 */
export async function seedApprovedDelete(f: ClusterFixture): Promise<string> {
  await f.seedFailpointsApplyableState();
  const validated = await f.validate();
  expect(validated.ok, JSON.stringify(validated.diagnostics)).toBe(true);
  const graph = validated.resource_digests["graph.knowledge"];
  const schema = validated.resource_digests["schema.knowledge"];
  await f.put(
    "__cluster/state.json",
    `{\n  "version": 1,\n  "state_revision": 1,\n  "applied_revision": {\n    "resources": {\n      "graph.knowledge": { "digest": "${graph}" },\n      "schema.knowledge": { "digest": "${schema}" },\n      "graph.old": { "digest": "3333" },\n      "schema.old": { "digest": "4444" }\n    }\n  }\n}\n`,
  );
  await f.put("graphs/old.omni/_schema.pg", "stale");
  const approved = await f.approve("graph.old", "test-actor");
  expect(approved.ok, JSON.stringify(approved.diagnostics)).toBe(true);
  return approved.approval_id ?? "";
}

/** failpoints.rs `live_schema_digest`: sha256 of `_schema.pg` through a read-only open. */
export async function liveSchemaDigest(f: ClusterFixture, graphId = "knowledge"): Promise<string> {
  const g = await openGraph(f.harnessProc(), f.graphKey(graphId), "read_only");
  return sha256Hex(g.schemaSource());
}

/** failpoints.rs `recovery_sidecars`: the `*.json` files under `__cluster/recoveries/`. */
export function recoverySidecars(f: ClusterFixture): string[] {
  return f.sidecarKeys().filter((k) => k.endsWith(".json"));
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON for assertions
export function readJson(f: ClusterFixture, key: string): any {
  const text = f.text(key);
  if (text === null) throw new Error(`no ${key}`);
  return JSON.parse(text);
}

/**
 * Arms `failpoint` in `mode` and runs one apply in a fresh process, then disarms it (the
 * Rust tests' scoped failpoint is dropped before the re-run).
 *
 * - `error`: upstream's `return` action. The run returns through its normal error path and
 *   releases the lock; the output is returned for the in-run assertions.
 * - `crash`: real process death at the same point. There is no output; the lock file stays
 *   behind (asserted here) and null is returned.
 */
export async function applyWithFailpoint(
  f: ClusterFixture,
  mode: Mode,
  failpoint: FailpointName,
  options: ApplyOptions = {},
): Promise<ApplyOutput | null> {
  f.world.failpoints.set(failpoint, mode === "error" ? "return" : "crash");
  const run = await f.runApply(options);
  f.world.failpoints.clearAll();
  if (mode === "error") {
    expect(run.kind).toBe("returned");
    expect(f.lockText(), "a failpoint error releases the lock").toBeNull();
    return run.kind === "returned" ? run.value : null;
  }
  expect(run.kind).toBe("died");
  expectLockLeftBehind(f);
  return null;
}

/** A real crash leaves `__cluster/lock.json` from the dead apply. */
export function expectLockLeftBehind(f: ClusterFixture): void {
  const lock = JSON.parse(f.lockText() ?? "null");
  expect(lock).toMatchObject({ version: 1, operation: "apply" });
}

/**
 * The documented remedy after a real crash (spec §1.3, A.7): the next apply is refused with
 * `state_lock_held`; `cluster force-unlock <lock_id>` with the id read from
 * `__cluster/lock.json` removes the lock.
 */
export async function forceUnlockLeftoverLock(f: ClusterFixture): Promise<void> {
  const lock = JSON.parse(f.lockText() ?? "null");
  const refused = await f.apply();
  expect(codes(refused)).toEqual(["state_lock_held"]);
  const unlocked = await f.forceUnlock(lock.lock_id);
  expect(unlocked.ok && unlocked.lock_removed, JSON.stringify(unlocked.diagnostics)).toBe(true);
  expect(f.lockText()).toBeNull();
}
