/**
 * Conformance: crates/omnigraph-cluster/tests/failpoints.rs @7fd23c54 (spec §8.1), one `it`
 * per upstream test, named verbatim, same setup, same assertions.
 *
 * Every test that arms a failpoint runs in two modes:
 * - `error` is upstream's `return` action: the failpoint returns an injected error through
 *   the normal error path and the lock is released. These are upstream's assertions as is.
 * - `crash` is a real process death at the same point. The in-run assertions about the
 *   output do not exist (the process died); the durable state of spec §2.17's "Durable state
 *   afterwards" column is asserted instead, plus the lock file the dead run leaves behind.
 *   The documented remedy (force-unlock with the id in `__cluster/lock.json`) then leads to
 *   the re-run, which must reach the end state the upstream test asserts.
 */
import { describe, expect, it } from "vitest";
import { apply, sha256Hex } from "../../src/cluster/index.ts";
import { openGraph } from "../../src/engine/index.ts";
import { World } from "../../src/world/world.ts";
import { codes, QUERY, SCHEMA_V2 } from "../cluster/fixture.ts";
import {
  applyWithFailpoint,
  convergeWithLiveGraph,
  expectLockLeftBehind,
  failpointsFixture,
  forceUnlockLeftoverLock,
  liveSchemaDigest,
  MODES,
  readJson,
  recoverySidecars,
  seedApprovedDelete,
  seedFailpointsEmptyState,
} from "./helpers.ts";

const STATE = "__cluster/state.json";

/** An apply that returned after an injected error at `name`: failed, and says where. */
function expectInjected(
  out: {
    readonly ok: boolean;
    readonly diagnostics: ReadonlyArray<{ code: string; message: string }>;
  },
  name: string,
): void {
  expect(out.ok).toBe(false);
  expect(
    out.diagnostics.some((d) => d.code === "injected_failpoint" && d.message.includes(name)),
  ).toBe(true);
}

/** The engine's schema-apply lock branch ref under the graph root (spec §4.6 step 3). */
const SCHEMA_APPLY_LOCK_REF =
  "graphs/knowledge.omni/__manifest/branches/__schema_apply_lock__.json";

describe.each(MODES)("failpoints.rs, %s mode", (mode) => {
  it("failpoint_wiring_returns_injected_diagnostic", async () => {
    const f = failpointsFixture();
    await f.seedFailpointsApplyableState();
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.after_payload_phase");
    if (out !== null) {
      expectInjected(out, "cluster_apply.after_payload_phase");
    } else {
      // Durable state after a death at after_payload_phase: blobs present, ledger unmoved.
      expect(f.stateText()).toBe(stateBefore);
      expect(f.text(f.queryPayloadKey(sha256Hex(QUERY)))).toBe(QUERY);
      await forceUnlockLeftoverLock(f);
      const recovered = await f.apply();
      expect(recovered.ok && recovered.converged, JSON.stringify(recovered.diagnostics)).toBe(true);
    }
  });

  it("apply_crash_after_payload_phase_leaves_state_unmoved_then_recovers", async () => {
    const f = failpointsFixture();
    await f.seedFailpointsApplyableState();
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.after_payload_phase");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(out.state_written).toBe(false);
      expect(out.converged).toBe(false);
      expect(out.applied_count).toBe(0);
      // Persisted pre-apply snapshot: no phantom applied statuses.
      expect(Object.keys(out.resource_statuses)).not.toContain("query.knowledge.find_person");
    }
    // State has not moved; payloads are inert in the store.
    expect(f.stateText()).toBe(stateBefore);
    expect(f.has(f.queryPayloadKey(sha256Hex(QUERY)))).toBe(true);
    if (mode === "crash") await forceUnlockLeftoverLock(f);
    expect(f.lockText()).toBeNull();

    // The repair is a plain re-run: existing blobs are trusted by digest.
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(recovered.converged).toBe(true);
    expect(recovered.state_written).toBe(true);
    expect(recovered.resource_statuses["query.knowledge.find_person"]?.status).toBe("applied");
  });

  it("apply_cas_race_surfaces_state_cas_mismatch", async () => {
    const f = failpointsFixture();
    await f.seedFailpointsApplyableState();
    const ctx = f.ctx("apply");

    // The concurrent writer at the exact race window: rewrite state.json (valid JSON,
    // graph/schema digests preserved, revision 99) after apply read it but before it
    // writes, through another process. In crash mode the apply then dies at that point.
    f.world.failpoints.setCallback("cluster_apply.before_state_write", async () => {
      const racer = f.world.spawn("racer");
      const state = JSON.parse(await racer.storage.read(STATE));
      state.state_revision = 99;
      // The racer is another cluster writer (e.g. an apply under `state.lock: false`).
      await racer.storage.put("cluster.state.write", STATE, JSON.stringify(state, null, 2));
      if (mode === "crash") ctx.proc.kill("crash at cluster_apply.before_state_write");
      return "continue" as const;
    });
    const run = await World.run(ctx.proc, () => apply(ctx, {}));
    f.world.failpoints.clearAll();

    if (mode === "error") {
      expect(run.kind).toBe("returned");
      if (run.kind !== "returned") return;
      const out = run.value;
      expect(out.ok).toBe(false);
      expect(out.state_written).toBe(false);
      expect(codes(out), JSON.stringify(out.diagnostics)).toContain("state_cas_mismatch");
      // Persisted snapshot, not the unwritten in-memory mutations.
      expect(Object.keys(out.resource_statuses)).not.toContain("query.knowledge.find_person");
      expect(f.lockText()).toBeNull();
    } else {
      expect(run.kind).toBe("died");
      expectLockLeftBehind(f);
    }
    // The concurrent writer's state is what is stored; apply's mutation never landed.
    const state = f.stateJson();
    expect(state.state_revision).toBe(99);
    expect(Object.keys(state.applied_revision.resources)).not.toContain(
      "query.knowledge.find_person",
    );
    // Blobs written before the race are inert.
    expect(f.has(f.queryPayloadKey(sha256Hex(QUERY)))).toBe(true);

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    // Recovery is a plain re-run against the rewritten state.
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(recovered.converged).toBe(true);
  });

  it("create_crash_before_init_recovers_via_sweep", async () => {
    const f = failpointsFixture();
    await seedFailpointsEmptyState(f);
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.before_graph_create");
    if (out !== null) {
      expectInjected(out, "cluster_apply.before_graph_create");
    } else {
      // A dead run wrote no state at all; its sidecar is the create intent.
      expect(f.stateText()).toBe(stateBefore);
      expect(readJson(f, recoverySidecars(f)[0] ?? "").kind).toBe("graph_create");
    }
    expect(recoverySidecars(f)).toHaveLength(1);
    expect(f.has("graphs/knowledge.omni")).toBe(false);
    // No resource digest moved.
    expect(f.stateJson().applied_revision.resources).toEqual({});

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(recovered.converged).toBe(true);
    expect(f.has("graphs/knowledge.omni")).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
  });

  it("create_crash_after_init_rolls_state_forward", async () => {
    const f = failpointsFixture();
    await seedFailpointsEmptyState(f);
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.after_graph_create");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(out.state_written).toBe(false);
    }
    // The graph exists; the cluster state is byte-identical (no ack).
    expect(f.has("graphs/knowledge.omni")).toBe(true);
    expect(f.stateText()).toBe(stateBefore);
    if (mode === "crash") expect(await liveSchemaDigest(f)).toBe(f.schemaDigest());
    // The sidecar carries the post-init manifest pin.
    const sidecars = recoverySidecars(f);
    expect(sidecars).toHaveLength(1);
    expect(readJson(f, sidecars[0] ?? "").expected_manifest_version).toEqual(expect.any(Number));

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(codes(recovered)).toContain("cluster_recovery_rolled_forward");
    expect(recovered.converged).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    const records = Object.values(f.stateJson().recovery_records) as Array<{ outcome: string }>;
    expect(records.some((r) => r.outcome === "rolled_forward")).toBe(true);
  });

  it("schema_crash_before_apply_recovers_via_sweep", async () => {
    const f = failpointsFixture();
    await convergeWithLiveGraph(f);
    const preDigest = await liveSchemaDigest(f);
    f.useSchemaV2();
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.before_schema_apply", {
      actor: "test-actor",
    });
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(out.actor).toBe("test-actor");
    } else {
      expect(f.stateText()).toBe(stateBefore);
    }
    const sidecars = recoverySidecars(f);
    expect(sidecars).toHaveLength(1);
    const sidecar = readJson(f, sidecars[0] ?? "");
    expect(sidecar.kind).toBe("schema_apply");
    expect(sidecar.actor).toBe("test-actor");
    // Nothing moved.
    expect(await liveSchemaDigest(f)).toBe(preDigest);

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(recovered.converged).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    expect(await liveSchemaDigest(f)).not.toBe(preDigest);
  });

  it("schema_apply_error_before_graph_movement_removes_sidecar", async () => {
    const f = failpointsFixture();
    await convergeWithLiveGraph(f);
    const preDigest = await liveSchemaDigest(f);
    f.useSchemaV2();

    const out = await applyWithFailpoint(f, mode, "schema_apply.before_staging_write");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(codes(out), JSON.stringify(out.diagnostics)).toContain("schema_apply_failed");
      expect(await liveSchemaDigest(f)).toBe(preDigest);
      // The pre-movement proof removed the sidecar at once.
      expect(recoverySidecars(f)).toEqual([]);
    } else {
      // The engine died inside apply_schema_as, so the proof never ran: the sidecar is still
      // there, with nothing moved, and the engine's lock branch was never released.
      expect(await liveSchemaDigest(f)).toBe(preDigest);
      expect(recoverySidecars(f)).toHaveLength(1);
      expect(readJson(f, recoverySidecars(f)[0] ?? "").kind).toBe("schema_apply");
      expect(f.has(SCHEMA_APPLY_LOCK_REF)).toBe(true);
      await forceUnlockLeftoverLock(f);
      // The assertion necessarily differs from upstream's re-run here (upstream has no crash
      // variant, and its engine behaves the same): force-unlock alone does not converge. The
      // dead engine's lock branch makes apply_schema_as refuse (spec §4.7 "lock branch already
      // present", §4.8 "lock branch left by a crash", §8.4 item 2); the sweep retires the
      // ledger-consistent sidecar and the proof deletes the new one, so no sidecar is left.
      const stuck = await f.apply();
      expect(stuck.ok).toBe(false);
      expect(
        stuck.diagnostics.find((d) => d.code === "schema_apply_failed")?.message,
        JSON.stringify(stuck.diagnostics),
      ).toContain("schema apply is already in progress");
      expect(recoverySidecars(f)).toEqual([]);
      expect(await liveSchemaDigest(f)).toBe(preDigest);
      // The operator removes the crashed apply's lock branch (spec §4.8: "until it is
      // removed"). No engine API deletes the internal ref (branch_delete refuses it), so the
      // harness removes the ref object, as an operator would by hand.
      await f.store.delete(SCHEMA_APPLY_LOCK_REF);
    }

    const recovered = await f.apply();
    expect(recovered.ok && recovered.converged, JSON.stringify(recovered)).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    expect(await liveSchemaDigest(f)).not.toBe(preDigest);
  });

  it("schema_apply_error_after_graph_movement_keeps_sidecar", async () => {
    const f = failpointsFixture();
    await convergeWithLiveGraph(f);
    const preDigest = await liveSchemaDigest(f);
    f.useSchemaV2();
    const v2Digest = (await f.validate()).resource_digests["schema.knowledge"];

    const out = await applyWithFailpoint(f, mode, "schema_apply.after_manifest_commit");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(codes(out), JSON.stringify(out.diagnostics)).toContain("schema_apply_failed");
    }
    // Read-only opens do not run engine schema-state recovery, so the schema file still
    // reads as the old digest although the manifest moved. The sidecar must remain (error:
    // the proof saw the movement; crash: the proof never ran).
    expect(await liveSchemaDigest(f)).toBe(preDigest);
    const sidecars = recoverySidecars(f);
    expect(sidecars).toHaveLength(1);
    const sidecar = readJson(f, sidecars[0] ?? "");
    expect(sidecar.kind).toBe("schema_apply");
    expect(sidecar.expected_manifest_version).toBeNull();

    // A read-write open completes the engine's schema-state recovery.
    const rw = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    expect(rw.schemaSource()).toBe(SCHEMA_V2);
    expect(await liveSchemaDigest(f)).toBe(v2Digest);

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(codes(recovered)).toContain("cluster_recovery_rolled_forward");
    expect(recovered.converged).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    // Beyond upstream's assertions: the dead engine's lock branch is not cleaned by recovery
    // (spec §4.8), so it outlives the converged run; only the error path released it.
    expect(f.has(SCHEMA_APPLY_LOCK_REF)).toBe(mode === "crash");
  });

  it("schema_crash_after_apply_rolls_state_forward", async () => {
    const f = failpointsFixture();
    await convergeWithLiveGraph(f);
    f.useSchemaV2();
    const stateBefore = f.stateText();
    const v2Digest = (await f.validate()).resource_digests["schema.knowledge"];

    const out = await applyWithFailpoint(f, mode, "cluster_apply.after_schema_apply");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(out.state_written).toBe(false);
    }
    // The live schema moved; the ledger is byte-identical (no ack).
    expect(await liveSchemaDigest(f)).toBe(v2Digest);
    expect(f.stateText()).toBe(stateBefore);
    const sidecars = recoverySidecars(f);
    expect(sidecars).toHaveLength(1);
    expect(readJson(f, sidecars[0] ?? "").expected_manifest_version).toEqual(expect.any(Number));

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(codes(recovered)).toContain("cluster_recovery_rolled_forward");
    expect(recovered.converged).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).toBe(v2Digest);
  });

  it("delete_crash_before_removal_reproposes", async () => {
    const f = failpointsFixture();
    const approvalId = await seedApprovedDelete(f);
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.before_graph_delete");
    if (out !== null) {
      expect(out.ok).toBe(false);
    } else {
      // A dead run wrote no state; its sidecar is the delete intent with the approval id.
      expect(f.stateText()).toBe(stateBefore);
      expect(readJson(f, recoverySidecars(f)[0] ?? "")).toMatchObject({
        kind: "graph_delete",
        approval_id: approvalId,
      });
    }
    expect(f.has("graphs/old.omni")).toBe(true);
    expect(recoverySidecars(f)).toHaveLength(1);
    // The approval is untouched (file unconsumed).
    expect(readJson(f, `__cluster/approvals/${approvalId}.json`).consumed_at).toBeNull();

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(codes(recovered)).toContain("graph_delete_incomplete");
    expect(recovered.converged).toBe(true);
    expect(f.has("graphs/old.omni")).toBe(false);
    expect(recoverySidecars(f)).toEqual([]);
  });

  it("delete_crash_after_removal_rolls_forward", async () => {
    const f = failpointsFixture();
    const approvalId = await seedApprovedDelete(f);
    const stateBefore = f.stateText();

    const out = await applyWithFailpoint(f, mode, "cluster_apply.after_graph_delete");
    if (out !== null) {
      expect(out.ok).toBe(false);
      expect(out.state_written).toBe(false);
    }
    expect(f.has("graphs/old.omni")).toBe(false);
    expect(f.stateText()).toBe(stateBefore);
    const sidecars = recoverySidecars(f);
    expect(sidecars).toHaveLength(1);
    expect(readJson(f, sidecars[0] ?? "").approval_id).toBe(approvalId);

    if (mode === "crash") await forceUnlockLeftoverLock(f);
    const recovered = await f.apply();
    expect(recovered.ok, JSON.stringify(recovered.diagnostics)).toBe(true);
    expect(codes(recovered)).toContain("cluster_recovery_rolled_forward");
    expect(recovered.converged).toBe(true);
    const state = f.stateJson();
    expect(state.observations["graph.old"].kind).toBe("tombstone");
    expect(state.approval_records[approvalId].consumed_at).toEqual(expect.any(String));
    const records = Object.values(state.recovery_records) as Array<{ kind: string }>;
    expect(records.some((r) => r.kind === "graph_delete")).toBe(true);
  });
});
