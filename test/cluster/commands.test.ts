import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/cluster/index.ts";
import { changeFor, clusterFixture, codes, QUERY, SCHEMA } from "./fixture.ts";

describe("validate", () => {
  it("reports digests, resources and dependencies without touching storage", async () => {
    const f = clusterFixture();
    const out = await f.validate();
    expect(out.ok).toBe(true);
    expect(out.config_file).toBe("/cluster/cluster.yaml");
    expect(Object.keys(out.resource_digests)).toEqual([
      "graph.knowledge",
      "policy.base",
      "query.knowledge.find_person",
      "schema.knowledge",
    ]);
    expect(out.resources.find((r) => r.address === "graph.knowledge")).toEqual({
      address: "graph.knowledge",
      kind: "graph",
      digest: out.resource_digests["graph.knowledge"],
    });
    expect(f.store.keys()).toEqual([]);
  });
});

describe("plan", () => {
  it("without state plans creates, takes and releases the lock", async () => {
    const f = clusterFixture();
    const out = await f.plan();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.state_observations).toMatchObject({
      state_found: false,
      locked: false,
      lock_acquired: true,
    });
    expect(out.changes.every((c) => c.operation === "create")).toBe(true);
    for (const r of [
      "graph.knowledge",
      "schema.knowledge",
      "query.knowledge.find_person",
      "policy.base",
    ]) {
      expect(changeFor(out, r).disposition).toBe("applied");
    }
    expect(out.blast_radius).toContainEqual({
      resource: "graph.knowledge",
      affected: ["policy.base", "query.knowledge.find_person", "schema.knowledge"],
    });
    expect(f.store.keys()).toEqual([]);
  });

  it("a held lock fails plan; force-unlock releases it", async () => {
    const f = clusterFixture();
    await f.writeLockFile("held-lock", "plan");
    const locked = await f.plan();
    expect(codes(locked)).toContain("state_lock_held");
    expect(locked.state_observations).toMatchObject({
      locked: true,
      lock_id: "held-lock",
      lock_operation: "plan",
    });
    expect((await f.forceUnlock("held-lock")).lock_removed).toBe(true);
    expect((await f.plan()).ok).toBe(true);
  });

  it("shows a binding-only policy change as a metadata update", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.apply();
    const state = f.stateJson();
    delete state.applied_revision.resources["policy.base"].applies_to;
    await f.put("__cluster/state.json", JSON.stringify(state, null, 2));
    const out = await f.plan();
    const c = changeFor(out, "policy.base");
    expect(c).toMatchObject({
      operation: "update",
      binding_change: true,
      metadata_change: "policy_bindings",
    });
    expect(c.before_digest).toBe(c.after_digest);
    const applied = await f.apply();
    expect(applied.converged).toBe(true);
    expect(f.stateJson().applied_revision.resources["policy.base"].applies_to).toEqual([
      "graph.knowledge",
    ]);
    expect((await f.apply()).state_written).toBe(false);
  });

  it("embeds the migration preview for a schema update; degrades to a warning", async () => {
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    const out = await f.plan();
    const c = changeFor(out, "schema.knowledge");
    expect(c.migration).toMatchObject({ supported: true });
    expect(JSON.stringify(c.migration)).toContain("add_property");

    const g = clusterFixture();
    await g.seedApplyableState();
    g.useSchemaV2();
    const unavailable = await g.plan();
    expect(unavailable.ok).toBe(true);
    expect(codes(unavailable)).toContain("schema_preview_unavailable");
  });

  it("warns on each pending sidecar and never sweeps", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.writeCreateSidecar("knowledge", "irrelevant", "01PLAN");
    const out = await f.plan();
    expect(out.diagnostics).toContainEqual({
      code: "cluster_recovery_pending",
      severity: "warning",
      path: "/cluster/__cluster/recoveries/01PLAN.json",
      message:
        "a recovery sidecar from an interrupted apply is pending; the next state-mutating command will classify it",
    });
    expect(f.sidecarKeys()).toHaveLength(1);
  });
});

describe("status", () => {
  it("reports the ledger, the lock and pending sidecars read-only", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.apply();
    await f.writeCreateSidecar("knowledge", "irrelevant", "01STATUS");
    await f.writeLockFile("held-lock", "refresh");
    const before = f.store.dump();
    const out = await f.status();
    expect(out.ok).toBe(true);
    expect(codes(out)).toEqual(["cluster_recovery_pending"]);
    expect(out.state_observations).toMatchObject({
      state_found: true,
      state_revision: 2,
      locked: true,
      lock_id: "held-lock",
      lock_operation: "refresh",
      lock_pid: 123,
    });
    expect(out.state_observations.lock_age_seconds).toEqual(expect.any(Number));
    expect(out.resource_statuses["policy.base"]).toEqual({ status: "applied" });
    expect(f.store.dump()).toEqual(before);
  });

  it("a missing ledger is a warning; an invalid one an error; no recoveries dir, no warning", async () => {
    const f = clusterFixture();
    const missing = await f.status();
    expect(missing.ok).toBe(true);
    expect(codes(missing)).toEqual(["state_missing"]);
    await f.put("__cluster/state.json", "{");
    const invalid = await f.status();
    expect(invalid.ok).toBe(false);
    expect(codes(invalid)).toEqual(["invalid_state_json"]);
  });

  it("reports a missing payload blob", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.apply();
    await f.store.delete(f.queryPayloadKey(sha256Hex(QUERY)));
    const out = await f.status();
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({
        code: "catalog_payload_missing",
        path: "query.knowledge.find_person",
      }),
    );
  });
});

describe("storage root", () => {
  it("a `storage:` root holds the cluster; read-only commands point into it", async () => {
    const f = clusterFixture();
    f.writeFile(
      "cluster.yaml",
      f.readFile("cluster.yaml").replace("version: 1\n", "version: 1\nstorage: /data/c\n"),
    );
    const imported = await f.importState();
    expect(imported.ok, JSON.stringify(imported.diagnostics)).toBe(true);
    const applied = await f.apply();
    expect(applied.ok && applied.converged, JSON.stringify(applied.diagnostics)).toBe(true);
    expect(f.store.keys().every((k) => k.startsWith("@local/data/c/"))).toBe(true);
    expect(f.has("@local/data/c/graphs/knowledge.omni")).toBe(true);
    expect(applied.state_observations.state_path).toBe("/data/c/__cluster/state.json");
    await f.put("@local/data/c/__cluster/recoveries/01STORAGE.json", "{}");
    const out = await f.status();
    expect(
      out.diagnostics.some(
        (d) => d.code === "cluster_recovery_pending" && d.path.includes("01STORAGE.json"),
      ),
    ).toBe(true);
  });
});

describe("import and refresh", () => {
  it("import observes a live graph into a fresh ledger (revision 1)", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    const out = await f.importState();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.state_observations.state_revision).toBe(1);
    expect(out.resource_digests["schema.knowledge"]).toBe(sha256Hex(SCHEMA));
    expect(out.observations["graph.knowledge"]).toMatchObject({
      kind: "graph",
      exists: true,
      schema_matches_desired: true,
      manifest_version: expect.any(Number),
    });
    expect(f.stateJson().resource_statuses["graph.knowledge"].status).toBe("applied");
    expect(f.lockText()).toBeNull();
    const again = await f.importState();
    expect(codes(again)).toEqual(["state_already_exists"]);
  });

  it("import does not create a ledger when a graph fails to observe", async () => {
    const f = clusterFixture();
    await f.seedJunkRoot();
    const out = await f.importState();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("graph_observation_error");
    expect(f.stateText()).toBeNull();
  });

  it("refresh requires state, always bumps the revision, marks missing roots drifted", async () => {
    const f = clusterFixture();
    expect(codes(await f.refresh())).toEqual(["state_missing"]);
    await f.seedApplyableState();
    const out = await f.refresh();
    expect(out.ok).toBe(true);
    expect(f.stateJson().state_revision).toBe(2);
    expect(out.resource_statuses["graph.knowledge"]).toMatchObject({
      status: "drifted",
      conditions: ["graph_missing"],
    });
    expect(out.resource_digests["schema.knowledge"]).toBeUndefined();
    // The next plan proposes the create again.
    expect(changeFor(await f.plan(), "graph.knowledge").operation).toBe("create");
  });

  it("refresh drops a drifted payload digest so the next apply republishes", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.apply();
    await f.put(f.queryPayloadKey(sha256Hex(QUERY)), "tampered");
    const out = await f.refresh();
    expect(codes(out)).toContain("catalog_payload_mismatch");
    expect(out.resource_statuses["query.knowledge.find_person"]).toMatchObject({
      status: "drifted",
      conditions: ["payload_mismatch"],
    });
  });
});

describe("force-unlock", () => {
  it("refuses missing, unparseable and wrong-version locks, leaving them in place", async () => {
    const f = clusterFixture();
    const missing = await f.forceUnlock("x");
    expect(codes(missing)).toEqual(["state_lock_missing"]);
    expect(missing.state_observations.locked).toBe(false);
    await f.put("__cluster/lock.json", "{");
    expect(codes(await f.forceUnlock("x"))).toEqual(["invalid_state_lock"]);
    await f.put(
      "__cluster/lock.json",
      '{"version":2,"lock_id":"held-lock","operation":"plan","created_at":"1970-01-01T00:00:00Z","pid":123}',
    );
    expect(codes(await f.forceUnlock("held-lock"))).toEqual(["unsupported_state_lock_version"]);
    expect(f.lockText()).not.toBeNull();
    // A held lock that does not parse still blocks, without naming an id.
    await f.put("__cluster/lock.json", "garbage");
    const held = await f.plan();
    expect(codes(held)).toContain("state_lock_held");
    expect(held.diagnostics.find((d) => d.code === "state_lock_held")?.message).not.toContain(
      "force-unlock",
    );
  });

  it("refuses when the config names an unsupported state backend", async () => {
    const f = clusterFixture();
    await f.writeLockFile("held-lock", "plan");
    f.writeFile(
      "cluster.yaml",
      "version: 1\nstate:\n  backend: s3://state-bucket/cluster\ngraphs: {}\n",
    );
    const out = await f.forceUnlock("held-lock");
    expect(codes(out)).toEqual(["unsupported_state_backend"]);
    expect(f.lockText()).not.toBeNull();
  });
});

describe("outputs are data", () => {
  it("every command's output matches its schema and survives a JSON round trip", async () => {
    const m = await import("../../src/cluster/index.ts");
    const f = clusterFixture();
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    const pairs: Array<[{ parse(v: unknown): unknown }, unknown]> = [
      [m.ValidateOutputSchema, await f.validate()],
      [m.PlanOutputSchema, await f.plan()],
      [m.ApplyOutputSchema, await f.apply({ actor: "me" })],
      [m.StatusOutputSchema, await f.status()],
      [m.StateSyncOutputSchema, await f.refresh()],
      [m.ApproveOutputSchema, await f.approve("graph.knowledge", "me")],
      [m.ForceUnlockOutputSchema, await f.forceUnlock("none")],
    ];
    for (const [schema, out] of pairs) {
      const json = JSON.parse(JSON.stringify(out));
      expect(json).toEqual(out);
      expect(() => schema.parse(json)).not.toThrow();
    }
  });

  it("text rendering is a separate pure function", async () => {
    const m = await import("../../src/cluster/index.ts");
    const f = clusterFixture();
    await f.seedApplyableState();
    const out = await f.apply();
    const text = m.formatApply(out);
    expect(text).toContain("apply ok");
    expect(text).toContain("+ query.knowledge.find_person [applied]");
    expect(m.formatApply(out)).toBe(text);
  });
});
