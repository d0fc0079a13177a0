import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/cluster/index.ts";
import { openGraph } from "../../src/engine/index.ts";
import {
  changeFor,
  clusterFixture,
  codes,
  POLICY,
  QUERY,
  QUERY_V2,
  SCHEMA,
  SCHEMA_UNSUPPORTED,
  SCHEMA_V2,
} from "./fixture.ts";

describe("apply: the happy path and its invariants", () => {
  it("without state: state_missing, nothing created", async () => {
    const f = clusterFixture();
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("state_missing");
    expect(f.store.keys()).toEqual([]);
  });

  it("writes payloads, state and statuses; converges; releases the lock", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    expect(out.state_written).toBe(true);
    expect(f.text(f.queryPayloadKey(sha256Hex(QUERY)))).toBe(QUERY);
    expect(f.text(f.policyPayloadKey(sha256Hex(POLICY)))).toBe(POLICY);
    const state = f.stateJson();
    expect(state.state_revision).toBe(2);
    expect(state.applied_revision.config_digest).toBe(out.desired_revision.config_digest);
    expect(state.applied_revision.resources["policy.base"].applies_to).toEqual(["graph.knowledge"]);
    expect(state.resource_statuses["query.knowledge.find_person"]).toEqual({ status: "applied" });
    expect(out.resource_statuses["policy.base"]).toEqual({ status: "applied" });
    expect(changeFor(out, "graph.knowledge").disposition).toBe("derived");
    expect(out.applied_count).toBe(2);
    expect(out.deferred_count).toBe(0);
    expect(f.stateText()?.endsWith("}\n")).toBe(true);
    expect(f.lockText()).toBeNull();
    expect(out.state_observations.lock_acquired).toBe(true);
    expect(out.state_observations.state_cas).toBe(`sha256:${sha256Hex(f.stateText() ?? "")}`);
  });

  it("is idempotent: a re-apply writes nothing", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.apply();
    const before = f.stateText();
    const again = await f.apply();
    expect(again.ok && again.converged && !again.state_written).toBe(true);
    expect(f.stateText()).toBe(before);
    expect(f.stateJson().state_revision).toBe(2);
  });

  it("respects a held lock: state_lock_held, nothing written, the holder's lock stays", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.writeLockFile("held-lock", "apply");
    const before = f.stateText();
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toEqual(["state_lock_held"]);
    expect(out.diagnostics[0]?.message).toContain("force-unlock held-lock");
    expect(out.state_observations).toMatchObject({
      locked: true,
      lock_id: "held-lock",
      lock_acquired: false,
    });
    expect(f.stateText()).toBe(before);
    expect(f.store.keys().filter((k) => k.includes("resources/"))).toEqual([]);
    expect(f.lockText()).not.toBeNull();
  });

  it("state.lock false: a warning and no lock file", async () => {
    const f = clusterFixture();
    f.writeFile("cluster.yaml", f.readFile("cluster.yaml").replace("lock: true", "lock: false"));
    await f.seedApplyableState();
    const writes: string[] = [];
    f.world.failpoints.setCallback("cluster.lock.acquire.before", () => {
      writes.push("lock");
      return "continue";
    });
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(codes(out)).toContain("state_lock_disabled");
    expect(writes).toEqual([]);
  });

  it("an existing payload blob is trusted and never rewritten", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const key = f.queryPayloadKey(sha256Hex(QUERY));
    await f.put(key, "not what the digest says");
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(f.text(key)).toBe("not what the digest says");
  });

  it("an invalid config fails before the lock: the store is untouched", async () => {
    const f = clusterFixture();
    f.writeFile("cluster.yaml", "version: 1\ngraphs:\n  knowledge:\n    schema: ./missing.pg\n");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(f.store.keys()).toEqual([]);
  });

  it("graph ids with `/` or `..` never reach the store", async () => {
    const f = clusterFixture();
    await f.seedEmptyState();
    const before = f.store.dump();
    for (const id of ['"../escape"', '"a/b"']) {
      f.writeFile("cluster.yaml", `version: 1\ngraphs:\n  ${id}:\n    schema: ./people.pg\n`);
      const out = await f.apply();
      expect(codes(out)).toContain("invalid_resource_id");
      expect(f.store.dump()).toEqual(before);
    }
  });

  it("a failed state write reports the persisted statuses and keeps everything for the re-run", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const before = f.stateText();
    f.world.failpoints.set("cluster.state.write.before", "error(disk full)");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("state_write_error");
    expect(out.state_written).toBe(false);
    expect(out.resource_statuses).toEqual({});
    expect(f.stateText()).toBe(before);
    expect(f.lockText()).toBeNull();
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged).toBe(true);
  });

  it("a corrupt or truncated ledger is reported and left byte-identical", async () => {
    for (const text of [
      '{"version":1,"applied_revision":',
      '{"version":1,"applied_revision":{},"extra":true}',
    ]) {
      const f = clusterFixture();
      await f.put("__cluster/state.json", text);
      const out = await f.apply();
      expect(out.ok).toBe(false);
      expect(codes(out)).toEqual(["invalid_state_json"]);
      expect(f.stateText()).toBe(text);
      expect(f.store.keys()).toEqual(["__cluster/state.json"]);
    }
  });

  it("a non-UTF-8 policy file validates (bytes are hashed) but cannot be published", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    f.writeFile("base.policy.yaml", new Uint8Array([0x72, 0x75, 0xff, 0x0a]));
    expect((await f.validate()).ok).toBe(true);
    const before = f.stateText();
    const out = await f.apply();
    expect(out.ok).toBe(false);
    const d = out.diagnostics.find((x) => x.code === "resource_payload_write_error");
    expect(d).toMatchObject({ path: "policy.base" });
    expect(d?.message).toContain("not valid UTF-8");
    expect(out.state_written).toBe(false);
    expect(f.stateText()).toBe(before);
    expect(f.lockText()).toBeNull();
  });

  it("a working-tree file changing under the lock is resource_content_changed", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    f.world.failpoints.setCallback("cluster.lock.acquire.after", () => {
      f.writeFile("people.gq", `${QUERY}\n`);
      return "continue";
    });
    const out = await f.apply();
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({
        code: "resource_content_changed",
        path: "query.knowledge.find_person",
      }),
    );
    expect(out.state_written).toBe(false);
  });

  it("malformed sidecars and approvals warn, stay, and do not block the run", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.put("__cluster/recoveries/01BAD.json", "{ nope");
    await f.put("__cluster/approvals/01BAD.json", '{"schema_version":1,"surprise":true}');
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(codes(out)).toEqual(
      expect.arrayContaining(["invalid_recovery_sidecar", "invalid_approval_artifact"]),
    );
    expect(f.text("__cluster/recoveries/01BAD.json")).toBe("{ nope");
    expect(f.text("__cluster/approvals/01BAD.json")).toBe('{"schema_version":1,"surprise":true}');
  });
});

describe("apply: graph creates", () => {
  it("creates the graph and unblocks dependents in one run", async () => {
    const f = clusterFixture();
    await f.seedEmptyState();
    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    for (const r of [
      "graph.knowledge",
      "schema.knowledge",
      "query.knowledge.find_person",
      "policy.base",
    ]) {
      expect(changeFor(out, r).disposition).toBe("applied");
    }
    const g = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_only");
    expect(g.schemaDigest()).toBe(sha256Hex(SCHEMA));
    expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).toBe(
      sha256Hex(SCHEMA),
    );
    expect(f.stateJson().resource_statuses["graph.knowledge"].status).toBe("applied");
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("a failed init blocks dependents and keeps the sidecar", async () => {
    const f = clusterFixture();
    await f.seedEmptyState();
    await f.seedJunkRoot();
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("graph_create_failed");
    expect(changeFor(out, "graph.knowledge")).toMatchObject({
      disposition: "blocked",
      reason: "graph_create_failed",
    });
    expect(changeFor(out, "query.knowledge.find_person").reason).toBe("dependency_not_applied");
    expect(changeFor(out, "policy.base").disposition).toBe("blocked");
    expect(out.converged).toBe(false);
    expect(f.sidecarKeys()).toHaveLength(1);
    expect(f.stateJson().applied_revision.resources).toEqual({});
  });
});

describe("apply: schema applies", () => {
  it("applies V2 and a dependent query in one run", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.writeFile("people.gq", QUERY_V2);
    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    expect(changeFor(out, "schema.knowledge").disposition).toBe("applied");
    expect(changeFor(out, "query.knowledge.find_person").disposition).toBe("applied");
    expect(changeFor(out, "graph.knowledge").disposition).toBe("derived");
    const g = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_only");
    expect(g.schemaSource()).toBe(SCHEMA_V2);
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("an unsupported change fails loudly and leaves no sidecar, run after run", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.writeFile("people.pg", SCHEMA_UNSUPPORTED);
    for (let i = 0; i < 2; i++) {
      const out = await f.apply();
      expect(out.ok).toBe(false);
      const d = out.diagnostics.find((x) => x.code === "schema_apply_failed");
      expect(d?.message).toContain("changing property type");
      expect(d?.message).toContain(
        "schema apply is not supported on '/cluster/graphs/knowledge.omni'",
      );
      expect(changeFor(out, "schema.knowledge")).toMatchObject({
        disposition: "blocked",
        reason: "schema_apply_failed",
      });
      expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).toBe(
        sha256Hex(SCHEMA),
      );
      expect(f.sidecarKeys()).toEqual([]);
    }
  });

  it("a non-main branch blocks the schema update without leaving a sidecar", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    const g = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    await g.createBranch("feature");
    const resourcesBefore = f.stateJson().applied_revision.resources;
    f.useSchemaV2();
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(out.diagnostics.find((x) => x.code === "schema_apply_failed")?.message).toContain(
      "schema apply requires a graph with only main",
    );
    expect(f.sidecarKeys()).toEqual([]);
    expect(f.stateJson().applied_revision.resources).toEqual(resourcesBefore);
  });

  it("an engine error before graph movement removes the sidecar (pre-movement proof)", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.world.failpoints.set("schema_apply.before_staging_write", "error");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("schema_apply_failed");
    expect(codes(out)).not.toContain("recovery_sidecar_cleanup_failed");
    expect(f.sidecarKeys()).toEqual([]);
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("an engine error after graph movement keeps the sidecar; the next run rolls forward", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.world.failpoints.set("schema_apply.after_manifest_commit", "error");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("schema_apply_failed");
    expect(f.sidecars()).toHaveLength(1);
    expect(f.sidecars()[0]).toMatchObject({
      kind: "schema_apply",
      expected_manifest_version: null,
    });
    f.world.failpoints.clearAll();
    // A read-write open lets the engine finish its own recovery (as a server boot would).
    const rw = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    expect(rw.schemaSource()).toBe(SCHEMA_V2);
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(codes(again)).toContain("cluster_recovery_rolled_forward");
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("a failed pre-movement cleanup is surfaced as recovery_sidecar_cleanup_failed", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.world.failpoints.set("schema_apply.before_staging_write", "error");
    f.world.failpoints.set("cluster.sidecar.delete_unmoved.before", "error(permission denied)");
    const out = await f.apply();
    const w = out.diagnostics.find((d) => d.code === "recovery_sidecar_cleanup_failed");
    expect(w?.severity).toBe("warning");
    expect(w?.path).toMatch(/^file:\/\/\/cluster\/__cluster\/recoveries\/.+\.json$/);
    expect(w?.message).toContain("graph `knowledge` stays quarantined");
    expect(f.sidecarKeys()).toHaveLength(1);
  });
});

describe("apply: deletes and approvals", () => {
  it("a graph delete without approval is blocked; the ledger keeps the subtree", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const out = await f.apply();
    expect(out.ok).toBe(true);
    expect(out.converged).toBe(false);
    for (const r of ["graph.old", "schema.old", "query.old.q"]) {
      expect(changeFor(out, r)).toMatchObject({
        disposition: "blocked",
        reason: "approval_required",
      });
    }
    expect(f.stateJson().applied_revision.resources["graph.old"]).toEqual({ digest: "3333" });
    expect(f.text("graphs/old.omni/_schema.pg")).toBe("stale");
  });

  it("approve writes a digest-bound artifact; non-gated addresses are refused", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const out = await f.approve("graph.old", "andrew");
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    const artifact = JSON.parse(f.text(`__cluster/approvals/${out.approval_id}.json`) ?? "null");
    expect(artifact).toMatchObject({
      schema_version: 1,
      resource: "graph.old",
      operation: "delete",
      approved_by: "andrew",
      bound_before_digest: "3333",
      bound_after_digest: null,
      consumed_at: null,
      consumed_by_operation: null,
    });
    expect(artifact.bound_config_digest).toBe((await f.plan()).desired_revision.config_digest);
    const refused = await f.approve("policy.base", "andrew");
    expect(codes(refused)).toEqual(["approval_not_required"]);
  });

  it("a stale approval is ignored with a warning", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    await f.approve("graph.old", "andrew");
    f.writeFile("base.policy.yaml", "rules: [changed]\n");
    const out = await f.apply();
    expect(codes(out)).toContain("approval_stale");
    expect(changeFor(out, "graph.old").reason).toBe("approval_required");
    expect(f.stateJson().applied_revision.resources["graph.old"]).toBeDefined();
  });

  it("executes an approved delete: root gone, tombstone, approval consumed in both stores", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const approval = await f.approve("graph.old", "andrew");
    const id = approval.approval_id ?? "";
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    expect(f.has("graphs/old.omni")).toBe(false);
    const state = f.stateJson();
    expect(Object.keys(state.applied_revision.resources)).not.toContain("graph.old");
    expect(Object.keys(state.applied_revision.resources)).not.toContain("query.old.q");
    expect(state.observations["graph.old"]).toMatchObject({ kind: "tombstone", approval_id: id });
    expect(state.approval_records[id]).toMatchObject({ consumed_by_operation: "apply" });
    expect(JSON.parse(f.text(`__cluster/approvals/${id}.json`) ?? "{}").consumed_at).toEqual(
      expect.any(String),
    );
    expect(f.sidecarKeys()).toEqual([]);
    const again = await f.apply();
    expect(again.ok && again.converged && !again.state_written).toBe(true);
  });
});

describe("apply: the eight cluster failpoints", () => {
  it("after_payload_phase: nothing acknowledged, blobs inert, lock released; re-run converges", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedFailpointsApplyableState();
    const before = f.stateText();
    f.world.failpoints.set("cluster_apply.after_payload_phase", "return");
    const out = await f.apply();
    expect(out).toMatchObject({
      ok: false,
      state_written: false,
      converged: false,
      applied_count: 0,
    });
    expect(out.diagnostics).toContainEqual({
      code: "injected_failpoint",
      severity: "error",
      path: "cluster_apply.after_payload_phase",
      message: "injected failpoint triggered: cluster_apply.after_payload_phase",
    });
    expect(out.resource_statuses["query.knowledge.find_person"]).toBeUndefined();
    expect(f.stateText()).toBe(before);
    expect(f.text(f.queryPayloadKey(sha256Hex(QUERY)))).toBe(QUERY);
    expect(f.lockText()).toBeNull();
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged && again.state_written).toBe(true);
    expect(again.resource_statuses["query.knowledge.find_person"]?.status).toBe("applied");
  });

  it("before_state_write with a racing writer: state_cas_mismatch, the racer's state stays", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedFailpointsApplyableState();
    f.world.failpoints.setCallback("cluster_apply.before_state_write", async () => {
      const state = JSON.parse(f.stateText() ?? "{}");
      state.state_revision = 99;
      await f.put("__cluster/state.json", JSON.stringify(state, null, 2));
      return "continue" as const;
    });
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(out.state_written).toBe(false);
    expect(codes(out)).toContain("state_cas_mismatch");
    expect(out.resource_statuses["query.knowledge.find_person"]).toBeUndefined();
    expect(f.stateJson().state_revision).toBe(99);
    expect(f.stateJson().applied_revision.resources["query.knowledge.find_person"]).toBeUndefined();
    f.world.failpoints.clearAll();
    expect((await f.apply()).converged).toBe(true);
  });

  it("before_graph_create: sidecar, no root, empty ledger; re-run creates", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedEmptyState();
    f.world.failpoints.set("cluster_apply.before_graph_create", "return");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("injected_failpoint");
    expect(f.sidecarKeys()).toHaveLength(1);
    expect(f.has("graphs/knowledge.omni")).toBe(false);
    expect(f.stateJson().applied_revision.resources).toEqual({});
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(f.has("graphs/knowledge.omni")).toBe(true);
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("after_graph_create: root exists, ledger byte-identical, expected pinned; re-run rolls forward", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedEmptyState();
    const before = f.stateText();
    f.world.failpoints.set("cluster_apply.after_graph_create", "return");
    const out = await f.apply();
    expect(out).toMatchObject({ ok: false, state_written: false });
    expect(f.has("graphs/knowledge.omni")).toBe(true);
    expect(f.stateText()).toBe(before);
    expect(f.sidecars()).toHaveLength(1);
    expect(f.sidecars()[0].expected_manifest_version).toEqual(expect.any(Number));
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(codes(again)).toContain("cluster_recovery_rolled_forward");
    expect(f.sidecarKeys()).toEqual([]);
    const records = Object.values(f.stateJson().recovery_records) as Array<{ outcome: string }>;
    expect(records.map((r) => r.outcome)).toEqual(["rolled_forward"]);
  });

  it("before_schema_apply: sidecar with the actor, live schema unchanged; re-run applies", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.world.failpoints.set("cluster_apply.before_schema_apply", "return");
    const out = await f.apply({ actor: "test-actor" });
    expect(out.ok).toBe(false);
    expect(out.actor).toBe("test-actor");
    expect(f.sidecars()).toHaveLength(1);
    expect(f.sidecars()[0]).toMatchObject({ kind: "schema_apply", actor: "test-actor" });
    const live = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_only");
    expect(live.schemaSource()).toBe(SCHEMA);
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("after_schema_apply: live V2, ledger byte-identical; re-run rolls forward", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    const before = f.stateText();
    f.world.failpoints.set("cluster_apply.after_schema_apply", "return");
    const out = await f.apply();
    expect(out).toMatchObject({ ok: false, state_written: false });
    expect(f.stateText()).toBe(before);
    expect(f.sidecars()[0].expected_manifest_version).toEqual(expect.any(Number));
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(codes(again)).toContain("cluster_recovery_rolled_forward");
    expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).toBe(
      sha256Hex(SCHEMA_V2),
    );
  });

  it("before_graph_delete: root intact, approval unconsumed; re-run deletes", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedDeletableState();
    const approval = await f.approve("graph.old", "andrew");
    f.world.failpoints.set("cluster_apply.before_graph_delete", "return");
    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(f.has("graphs/old.omni")).toBe(true);
    expect(f.sidecarKeys()).toHaveLength(1);
    expect(
      JSON.parse(f.text(`__cluster/approvals/${approval.approval_id}.json`) ?? "{}").consumed_at,
    ).toBeNull();
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(codes(again)).toContain("graph_delete_incomplete");
    expect(f.has("graphs/old.omni")).toBe(false);
    expect(f.sidecarKeys()).toEqual([]);
  });

  it("after_graph_delete: root gone, ledger byte-identical; re-run tombstones and consumes", async () => {
    const f = clusterFixture({ variant: "failpoints" });
    await f.seedDeletableState();
    const approval = await f.approve("graph.old", "andrew");
    const id = approval.approval_id ?? "";
    const before = f.stateText();
    f.world.failpoints.set("cluster_apply.after_graph_delete", "return");
    const out = await f.apply();
    expect(out).toMatchObject({ ok: false, state_written: false });
    expect(f.has("graphs/old.omni")).toBe(false);
    expect(f.stateText()).toBe(before);
    expect(f.sidecars()[0].approval_id).toBe(id);
    f.world.failpoints.clearAll();
    const again = await f.apply();
    expect(again.ok && again.converged, JSON.stringify(again.diagnostics)).toBe(true);
    expect(codes(again)).toContain("cluster_recovery_rolled_forward");
    const state = f.stateJson();
    expect(state.observations["graph.old"].kind).toBe("tombstone");
    expect(state.approval_records[id].consumed_at).toEqual(expect.any(String));
    expect(
      (Object.values(state.recovery_records) as Array<{ kind: string }>).map((r) => r.kind),
    ).toEqual(["graph_delete"]);
  });
});

describe("apply: death", () => {
  it("a real crash leaves lock.json; force-unlock with its id removes it", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    f.world.failpoints.set("cluster_apply.after_payload_phase", "crash");
    const r = await f.runApply();
    expect(r.kind).toBe("died");
    const lock = JSON.parse(f.lockText() ?? "null");
    expect(lock).toMatchObject({ version: 1, operation: "apply" });
    f.world.failpoints.clearAll();
    expect(codes(await f.apply())).toEqual(["state_lock_held"]);
    const wrong = await f.forceUnlock("not-it");
    expect(codes(wrong)).toEqual(["state_lock_id_mismatch"]);
    const unlocked = await f.forceUnlock(lock.lock_id);
    expect(unlocked.ok && unlocked.lock_removed).toBe(true);
    expect((await f.apply()).converged).toBe(true);
  });

  it("a kill at any durable write of a graph create: the ledger parses, a re-run recovers", async () => {
    const probe = clusterFixture();
    await probe.seedEmptyState();
    probe.world.setWriteTrigger({ mode: "count" });
    await probe.apply();
    const writes = probe.world.writes;
    expect(writes).toBeGreaterThan(3);
    for (let k = 1; k <= writes; k++) {
      const f = clusterFixture();
      await f.seedEmptyState();
      f.world.setWriteTrigger({ mode: "kill", k });
      const r = await f.runApply();
      expect(r.kind).toBe("died");
      f.world.setWriteTrigger({ mode: "off" });
      // The ledger always parses: it is written once, atomically, or not at all.
      expect(() => f.stateJson()).not.toThrow();
      const lock = f.lockText();
      if (lock !== null) await f.forceUnlock(JSON.parse(lock).lock_id);
      let again = await f.apply();
      if (!again.converged) {
        // A kill inside the engine's init leaves a partial root (the documented init gap,
        // sweep row 5): the operator removes it and re-runs.
        expect(codes(again), `k=${k}`).toContain("graph_create_incomplete");
        await f.store.deletePrefix("graphs/knowledge.omni");
        again = await f.apply();
      }
      expect(again.ok && again.converged, `k=${k}: ${JSON.stringify(again.diagnostics)}`).toBe(
        true,
      );
      expect(f.sidecarKeys()).toEqual([]);
    }
  });

  it("a kill at any durable write of a schema apply or an approved delete: never a silent stuck sidecar", async () => {
    const scenarios: Array<(f: ReturnType<typeof clusterFixture>) => Promise<void>> = [
      async (f) => {
        await f.convergeWithLiveGraph();
        f.useSchemaV2();
      },
      async (f) => {
        await f.seedDeletableState();
        await f.approve("graph.old", "andrew");
      },
    ];
    // Engine residue the cluster cannot repair on its own (spec §4.8): a schema-apply lock
    // branch left by the dead process, or staging the read-write open cannot reconcile.
    const engineStuck = /schema apply is already in progress|schema evolution is locked down/;
    for (const [i, setup] of scenarios.entries()) {
      const probe = clusterFixture();
      await setup(probe);
      probe.world.setWriteTrigger({ mode: "count" });
      await probe.apply();
      const writes = probe.world.writes;
      expect(writes).toBeGreaterThan(4);
      for (let k = 1; k <= writes; k++) {
        const at = `scenario ${i} k=${k}`;
        const f = clusterFixture();
        await setup(f);
        f.world.setWriteTrigger({ mode: "kill", k });
        const r = await f.runApply();
        expect(r.kind, at).toBe("died");
        f.world.setWriteTrigger({ mode: "off" });
        expect(() => f.stateJson(), at).not.toThrow();
        const lock = f.lockText();
        if (lock !== null) await f.forceUnlock(JSON.parse(lock).lock_id);
        // A server boot's read-write open runs the engine's own recovery (the cluster never
        // opens a pending graph read-write itself).
        await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write").catch(() => null);
        let again = await f.apply();
        if (!again.converged) again = await f.apply();
        if (again.converged) {
          expect(again.ok, `${at}: ${JSON.stringify(again.diagnostics)}`).toBe(true);
          expect(f.sidecarKeys(), at).toEqual([]);
        } else {
          expect(
            again.diagnostics.some((d) => engineStuck.test(d.message)),
            `${at}: ${JSON.stringify(again.diagnostics)}`,
          ).toBe(true);
        }
        // A sidecar that survives is always reported: the graph is pending, never silently stuck.
        if (f.sidecarKeys().length > 0)
          expect(codes(again), at).toContain("cluster_recovery_pending");
      }
    }
  });
});
