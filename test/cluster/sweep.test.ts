import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/cluster/index.ts";
import { openGraph } from "../../src/engine/index.ts";
import { changeFor, clusterFixture, codes, SCHEMA, SCHEMA_V2 } from "./fixture.ts";

/** Each row of spec §3.2, driven through `cluster apply` as upstream's tests do. */
describe("recovery sweep: graph_create sidecars", () => {
  it("row 1: root absent → retired, the run converges", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const key = await f.writeCreateSidecar("knowledge", "irrelevant", "01ROW1");
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(f.text(key)).toBeNull();
  });

  it("row 4: completed create → rolled forward with an audit record", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedEmptyState();
    const key = await f.writeCreateSidecar("knowledge", sha256Hex(SCHEMA), "01ROW4");
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({ code: "cluster_recovery_rolled_forward", path: "graph.knowledge" }),
    );
    const state = f.stateJson();
    expect(state.applied_revision.resources["schema.knowledge"].digest).toBe(sha256Hex(SCHEMA));
    expect(state.recovery_records["01ROW4"]).toMatchObject({
      kind: "graph_create",
      graph_id: "knowledge",
      outcome: "rolled_forward",
      actor: null,
    });
    expect(f.text(key)).toBeNull();
  });

  it("row 2: already recorded → retired without audit", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    const key = await f.writeCreateSidecar("knowledge", sha256Hex(SCHEMA), "01ROW2");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(f.text(key)).toBeNull();
    expect(f.stateJson().recovery_records).toEqual({});
  });

  it("row 5: a root that does not open → error, sidecar and root kept, status error", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.seedJunkRoot();
    const key = await f.writeCreateSidecar("knowledge", sha256Hex(SCHEMA), "01ROW5");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("graph_create_incomplete");
    expect(f.text(key)).not.toBeNull();
    expect(f.text("graphs/knowledge.omni/_schema.pg")).toBe("junk");
    // The state write still happened, so the error status persists.
    expect(f.stateJson().resource_statuses["graph.knowledge"]).toMatchObject({
      status: "error",
      conditions: ["graph_create_incomplete"],
    });
  });

  it("row 6: unexpected live schema → pending warning, sidecar kept, statuses drifted", async () => {
    const f = clusterFixture();
    await f.initLiveGraph("knowledge", SCHEMA_V2);
    await f.seedEmptyState();
    const key = await f.writeCreateSidecar("knowledge", sha256Hex(SCHEMA), "01ROW6");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_pending");
    expect(f.text(key)).not.toBeNull();
    expect(f.stateJson().resource_statuses["schema.knowledge"]).toMatchObject({
      status: "drifted",
      conditions: ["actual_applied_state_pending"],
    });
  });

  it("a pending create blocks the graph, its queries and bound policies", async () => {
    const f = clusterFixture();
    await f.seedEmptyState();
    await f.seedJunkRoot();
    const key = await f.writeCreateSidecar("knowledge", sha256Hex(SCHEMA), "01PEND");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    for (const r of ["graph.knowledge", "query.knowledge.find_person", "policy.base"]) {
      expect(changeFor(out, r)).toMatchObject({
        disposition: "blocked",
        reason: "cluster_recovery_pending",
      });
    }
    expect(f.text(key)).not.toBeNull();
    // The sweep's status is not clobbered by a generic "blocked".
    expect(f.stateJson().resource_statuses["graph.knowledge"].status).toBe("error");
  });
});

describe("recovery sweep: schema_apply sidecars", () => {
  it("S-1/2: ledger consistent with the live graph → retired, no audit", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    const key = await f.writeSchemaApplySidecar("knowledge", "never-applied", "01SROW1");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(f.text(key)).toBeNull();
    expect(f.stateJson().recovery_records).toEqual({});
  });

  it("row 3: the apply completed out of band → rolled forward", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    const g = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    await g.applySchema(SCHEMA_V2, { allowDataLoss: false });
    f.useSchemaV2();
    const key = await f.writeSchemaApplySidecar("knowledge", sha256Hex(SCHEMA_V2), "01SROW3");
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_rolled_forward");
    expect(f.text(key)).toBeNull();
    const state = f.stateJson();
    expect(state.applied_revision.resources["schema.knowledge"].digest).toBe(sha256Hex(SCHEMA_V2));
    expect(state.recovery_records["01SROW3"].kind).toBe("schema_apply");
  });

  it("row 6: neither recorded nor intended → pending; the schema update is blocked", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedStateResources([
      ["graph.knowledge", f.bareGraphDigest()],
      ["schema.knowledge", "stale-digest"],
    ]);
    f.useSchemaV2();
    const key = await f.writeSchemaApplySidecar("knowledge", "intended-digest", "01SROW6");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_pending");
    expect(changeFor(out, "schema.knowledge")).toMatchObject({
      disposition: "blocked",
      reason: "cluster_recovery_pending",
    });
    expect(f.text(key)).not.toBeNull();
    expect(f.stateJson().resource_statuses["schema.knowledge"].status).toBe("drifted");
  });

  it("S-x: an unopenable root → pending warning, sidecar kept", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.put("graphs/knowledge.omni/placeholder", "");
    const key = await f.writeSchemaApplySidecar("knowledge", "whatever", "01SROWX");
    const out = await f.apply();
    expect(codes(out)).toContain("cluster_recovery_pending");
    expect(out.diagnostics.find((d) => d.code === "cluster_recovery_pending")?.message).toContain(
      "cannot be verified",
    );
    expect(f.text(key)).not.toBeNull();
  });
});

describe("recovery sweep: graph_delete sidecars", () => {
  it("row 7: root absent, ledger without the graph → retired, no records", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const key = await f.writeDeleteSidecar("old", null, "01DROW7");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(f.text(key)).toBeNull();
    expect(f.stateJson().recovery_records).toEqual({});
  });

  it("row 7b: root removed, ledger stale → tombstone, approval consumed (ledger and file), audit", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const approval = await f.approve("graph.old", "andrew");
    const id = approval.approval_id ?? "";
    await f.store.deletePrefix("graphs/old.omni");
    const key = await f.writeDeleteSidecar("old", id, "01DROW7B");
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_rolled_forward");
    const state = f.stateJson();
    expect(state.observations["graph.old"]).toMatchObject({ kind: "tombstone", approval_id: id });
    expect(state.approval_records[id]).toMatchObject({ consumed_by_operation: "01DROW7B" });
    expect(state.recovery_records["01DROW7B"].kind).toBe("graph_delete");
    expect(JSON.parse(f.text(`__cluster/approvals/${id}.json`) ?? "{}").consumed_at).toEqual(
      expect.any(String),
    );
    expect(f.text(key)).toBeNull();
  });

  it("row 8: root still there → graph_delete_incomplete; the same run deletes under the approval", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const approval = await f.approve("graph.old", "andrew");
    const key = await f.writeDeleteSidecar("old", approval.approval_id ?? null, "01DROW8");
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("graph_delete_incomplete");
    expect(f.text(key)).toBeNull();
    expect(f.has("graphs/old.omni")).toBe(false);
  });
});

describe("recovery sweep: deletions wait for the state write", () => {
  it("a failed state write keeps retired sidecars for the next sweep", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const key = await f.writeCreateSidecar("knowledge", "irrelevant", "01ROW1");
    f.world.failpoints.set("cluster_apply.before_state_write", "return");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(f.text(key)).not.toBeNull();
    f.world.failpoints.clearAll();
    await f.apply();
    expect(f.text(key)).toBeNull();
  });
});
