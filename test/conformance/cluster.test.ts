/**
 * Conformance: crates/omnigraph-cluster/src/tests.rs @7fd23c54 (spec §8.2), one `it` per
 * upstream test, named verbatim, same fixture (tests.rs `fixture()`), same assertions.
 *
 * Not here: the `serving_snapshot_*` tests and the serving half of
 * `storage_root_file_uri_relocates_the_cluster` (test/server/snapshot.test.ts covers serving).
 *
 * The model's store is one object store per world: the config dir `/cluster` is the store
 * root, so upstream's `dir.path().join("__cluster/…")` is the key `__cluster/…`, and a
 * `storage:` root outside the config dir (`/storage`) lives under the key prefix
 * `@local/storage/` (src/cluster/store/locations.ts). "A directory exists" is "some key lies
 * under it".
 */
import { describe, expect, it } from "vitest";
import { graphDigest, locationKey, sha256Hex } from "../../src/cluster/index.ts";
import { openGraph } from "../../src/engine/index.ts";
import { readServingSnapshot } from "../../src/server/index.ts";
import {
  type ClusterFixture,
  changeFor,
  clusterFixture,
  codes,
  mockEmbeddingClusterYaml,
  QUERY,
  QUERY_V2,
  SCHEMA,
  SCHEMA_UNSUPPORTED,
  SCHEMA_V2,
} from "../cluster/fixture.ts";
import { readJson, recoverySidecars } from "./helpers.ts";

const STATE = "__cluster/state.json";
const LOCK = "__cluster/lock.json";
const RESOURCES_DIR = "__cluster/resources";
const STORAGE = "/storage";

/** tests.rs `derived_graph_uri`. */
function derivedGraphUri(root: string, graphId: string): string {
  return `${root}/graphs/${graphId}.omni`;
}

async function readOnly(f: ClusterFixture, graphId = "knowledge") {
  return openGraph(f.harnessProc(), f.graphKey(graphId), "read_only");
}

/** tests.rs `write_state_resources` into a storage prefix ("" = the config dir). */
async function writeStateResourcesAt(
  f: ClusterFixture,
  prefix: string,
  resources: ReadonlyArray<readonly [string, string]>,
): Promise<void> {
  const map = Object.fromEntries(resources.map(([a, d]) => [a, { digest: d }]));
  const value = { version: 1, state_revision: 1, applied_revision: { resources: map } };
  await f.put(`${prefix}${STATE}`, JSON.stringify(value, null, 2));
}

/** The knowledge entries of `write_applyable_state`, for seeds that add to them. */
function applyableEntries(f: ClusterFixture): Array<readonly [string, string]> {
  return [
    ["graph.knowledge", f.bareGraphDigest()],
    ["schema.knowledge", f.schemaDigest()],
  ];
}

/** `dir.join(CLUSTER_RECOVERIES_DIR)` is missing or empty. */
function noRecoveriesLeft(f: ClusterFixture): boolean {
  return f.sidecarKeys().length === 0;
}

/** Rewrites state.json as `serde_json::to_string_pretty` of the edited value. */
// biome-ignore lint/suspicious/noExplicitAny: the edited JSON value
async function rewriteState(f: ClusterFixture, edit: (state: any) => void): Promise<void> {
  const state = f.stateJson();
  edit(state);
  await f.put(STATE, JSON.stringify(state, null, 2));
}

/** tests.rs's `cluster.yaml` with `state.lock: false`, no metadata, no policies. */
const LOCK_FALSE_YAML =
  "\nversion: 1\nstate:\n  backend: cluster\n  lock: false\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries:\n      find_person:\n        file: ./people.gq\n";

function useStorageRoot(f: ClusterFixture, storage: string): void {
  f.writeFile(
    "cluster.yaml",
    f.readFile("cluster.yaml").replace("version: 1\n", `version: 1\nstorage: ${storage}\n`),
  );
}

function storagePrefix(f: ClusterFixture, storage: string): string {
  const prefix = locationKey(f.configDir, storage);
  if (prefix === null || prefix === "") throw new Error(`${storage} is not a separate root`);
  return `${prefix}/`;
}

describe("tests.rs: graph creates and schema applies", () => {
  it("apply_creates_graph_and_unblocks_dependents", async () => {
    const f = clusterFixture();
    await f.seedStateResources([]);

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    // The create executes, and its dependents apply in-run.
    expect(changeFor(out, "graph.knowledge").disposition).toBe("applied");
    expect(changeFor(out, "schema.knowledge").disposition).toBe("applied");
    expect(changeFor(out, "query.knowledge.find_person").disposition).toBe("applied");
    expect(changeFor(out, "policy.base").disposition).toBe("applied");
    // The graph exists and opens; state records everything.
    const desired = (await f.validate()).resource_digests;
    expect(sha256Hex((await readOnly(f)).schemaSource())).toBe(desired["schema.knowledge"]);
    const state = f.stateJson();
    expect(state.applied_revision.resources["schema.knowledge"].digest).toBe(
      desired["schema.knowledge"],
    );
    expect(state.resource_statuses["graph.knowledge"].status).toBe("applied");
    // The create's sidecar was retired after the state CAS landed.
    expect(noRecoveriesLeft(f)).toBe(true);
  });

  it("apply_create_failure_blocks_dependents_and_keeps_sidecar", async () => {
    const f = clusterFixture();
    await f.seedStateResources([]);
    // A junk _schema.pg at the derived root: init refuses to overwrite it.
    await f.seedJunkRoot();

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("graph_create_failed");
    // Dependents are demoted: the run tells the truth about what executed.
    expect(changeFor(out, "graph.knowledge").disposition).toBe("blocked");
    expect(changeFor(out, "query.knowledge.find_person").disposition).toBe("blocked");
    expect(changeFor(out, "query.knowledge.find_person").reason).toBe("dependency_not_applied");
    expect(changeFor(out, "policy.base").disposition).toBe("blocked");
    expect(out.converged).toBe(false);
    // The sidecar stays for the sweep to classify next run.
    expect(f.sidecarKeys().length).toBeGreaterThan(0);
    // No graph digests moved.
    expect(f.stateJson().applied_revision.resources).toEqual({});
  });

  it("apply_schema_update_and_dependent_query_in_one_run", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    // Schema update + a query update that depends on the new field.
    f.useSchemaV2();
    f.writeFile("people.gq", QUERY_V2);

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    expect(changeFor(out, "schema.knowledge").disposition).toBe("applied");
    expect(changeFor(out, "query.knowledge.find_person").disposition).toBe("applied");
    expect(changeFor(out, "graph.knowledge").disposition).toBe("derived");
    // The live graph carries the new schema.
    const desired = (await f.validate()).resource_digests;
    expect(sha256Hex((await readOnly(f)).schemaSource())).toBe(desired["schema.knowledge"]);
    expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).toBe(
      desired["schema.knowledge"],
    );
    // Sidecar retired after the CAS landed.
    expect(noRecoveriesLeft(f)).toBe(true);
  });

  it("apply_unsupported_schema_change_fails_loudly", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    // Property type changes are unsupported by the engine planner.
    f.writeFile("people.pg", SCHEMA_UNSUPPORTED);

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(
      out.diagnostics.some(
        (d) => d.code === "schema_apply_failed" && d.message.includes("changing property type"),
      ),
      JSON.stringify(out.diagnostics),
    ).toBe(true);
    expect(changeFor(out, "schema.knowledge").disposition).toBe("blocked");
    expect(changeFor(out, "schema.knowledge").reason).toBe("schema_apply_failed");
    // The live schema and the ledger are unchanged.
    const desired = (await f.validate()).resource_digests;
    expect(f.stateJson().applied_revision.resources["schema.knowledge"].digest).not.toBe(
      desired["schema.knowledge"],
    );
    expect((await readOnly(f)).schemaSource()).toBe(SCHEMA);
    expect(recoverySidecars(f)).toEqual([]);
    // A second run fails just as loudly and still leaves no sidecar.
    const second = await f.apply();
    expect(second.ok).toBe(false);
    expect(codes(second)).toContain("schema_apply_failed");
    expect(recoverySidecars(f)).toEqual([]);
  });

  it("apply_schema_update_blocked_by_non_main_branch_leaves_no_sidecar", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    const db = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    await db.createBranch("feature");
    const beforeState = f.stateJson();
    f.useSchemaV2();

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(
      out.diagnostics.some(
        (d) =>
          d.code === "schema_apply_failed" &&
          d.message.includes("schema apply requires a graph with only main"),
      ),
      JSON.stringify(out.diagnostics),
    ).toBe(true);
    expect(recoverySidecars(f)).toEqual([]);
    expect(f.stateJson().applied_revision.resources).toEqual(
      beforeState.applied_revision.resources,
    );
    expect((await readOnly(f)).schemaSource()).toBe(SCHEMA);
  });

  it("apply_blocks_schema_update_while_recovery_pending", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedStateResources([["schema.knowledge", "stale-digest"]]);
    f.useSchemaV2();
    // A pending sidecar whose intent matches neither live nor recorded.
    await f.writeSchemaApplySidecar("knowledge", "intended-digest", "01PENDS");

    const out = await f.apply();
    expect(changeFor(out, "schema.knowledge").disposition).toBe("blocked");
    expect(changeFor(out, "schema.knowledge").reason).toBe("cluster_recovery_pending");
  });

  it("apply_blocks_create_while_recovery_pending", async () => {
    const f = clusterFixture();
    await f.seedStateResources([]);
    // A kept (row 5) sidecar: a partial root that cannot be opened.
    await f.seedJunkRoot();
    const sidecar = await f.writeCreateSidecar("knowledge", "whatever", "01PEND");

    const out = await f.apply();
    expect(out.ok).toBe(false); // row 5 is an error condition
    // The pending recovery blocks the create and its dependents; init is never attempted.
    expect(changeFor(out, "graph.knowledge").disposition).toBe("blocked");
    expect(changeFor(out, "graph.knowledge").reason).toBe("cluster_recovery_pending");
    expect(changeFor(out, "query.knowledge.find_person").reason).toBe("cluster_recovery_pending");
    expect(changeFor(out, "policy.base").reason).toBe("cluster_recovery_pending");
    expect(f.text(sidecar)).not.toBeNull();
    // The sweep's error status is what persists, not a generic blocked.
    expect(f.stateJson().resource_statuses["graph.knowledge"].status).toBe("error");
  });
});

describe("tests.rs: deletes and approvals", () => {
  it("apply_blocks_graph_delete_without_approval", async () => {
    const f = clusterFixture();
    await f.seedStateResources([
      ...applyableEntries(f),
      ["graph.old", "3333"],
      ["schema.old", "4444"],
      ["query.old.q", "5555"],
    ]);

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(false);
    // Deletes are gated: every subtree change blocks on the single graph-level approval.
    expect(changeFor(out, "graph.old").disposition).toBe("blocked");
    expect(changeFor(out, "graph.old").reason).toBe("approval_required");
    expect(changeFor(out, "schema.old").reason).toBe("approval_required");
    expect(changeFor(out, "query.old.q").reason).toBe("approval_required");
    // State intact; nothing destroyed without the artifact.
    const resources = f.stateJson().applied_revision.resources;
    expect(resources["graph.old"].digest).toBe("3333");
    expect(resources["schema.old"].digest).toBe("4444");
    expect(resources["query.old.q"].digest).toBe("5555");
  });

  it("approve_writes_digest_bound_artifact", async () => {
    const f = clusterFixture();
    await f.seedStateResources([
      ...applyableEntries(f),
      ["graph.old", "3333"],
      ["schema.old", "4444"],
    ]);

    const out = await f.approve("graph.old", "andrew");
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    const artifact = readJson(f, `__cluster/approvals/${out.approval_id}.json`);
    expect(artifact.resource).toBe("graph.old");
    expect(artifact.operation).toBe("delete");
    expect(artifact.approved_by).toBe("andrew");
    expect(artifact.bound_before_digest).toBe("3333");
    expect(artifact.bound_after_digest).toBeNull();
    expect(artifact.bound_config_digest).toEqual(expect.any(String));
    expect(artifact.consumed_at).toBeNull();

    // A non-gated address is refused.
    const notGated = await f.approve("query.knowledge.find_person", "andrew");
    expect(notGated.ok).toBe(false);
    expect(codes(notGated)).toContain("approval_not_required");
  });

  it("stale_approval_is_ignored", async () => {
    const f = clusterFixture();
    await f.seedStateResources([...applyableEntries(f), ["graph.old", "3333"]]);
    const approved = await f.approve("graph.old", "andrew");
    expect(approved.ok, JSON.stringify(approved.diagnostics)).toBe(true);
    // The config moves after approval: the bound config digest no longer matches.
    f.writeFile("base.policy.yaml", "rules: [] # moved\n");

    const out = await f.apply();
    expect(codes(out), JSON.stringify(out.diagnostics)).toContain("approval_stale");
    expect(changeFor(out, "graph.old").reason).toBe("approval_required");
    expect(f.stateJson().applied_revision.resources["graph.old"].digest).toBe("3333");
  });

  it("apply_executes_approved_graph_delete", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    const approved = await f.approve("graph.old", "andrew");
    expect(approved.ok, JSON.stringify(approved.diagnostics)).toBe(true);
    const approvalId = approved.approval_id ?? "";

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);
    expect(changeFor(out, "graph.old").disposition).toBe("applied");
    expect(changeFor(out, "schema.old").disposition).toBe("applied");
    expect(changeFor(out, "query.old.q").disposition).toBe("applied");
    // The root is gone; the subtree is tombstoned out of the ledger.
    expect(f.has("graphs/old.omni")).toBe(false);
    const state = f.stateJson();
    const resources = Object.keys(state.applied_revision.resources);
    expect(resources).not.toContain("graph.old");
    expect(resources).not.toContain("schema.old");
    expect(resources).not.toContain("query.old.q");
    expect(state.observations["graph.old"].kind).toBe("tombstone");
    expect(state.observations["graph.old"].approval_id).toBe(approvalId);
    // Approval consumed in both stores: ledger summary and artifact file.
    expect(state.approval_records[approvalId].consumed_at).toEqual(expect.any(String));
    expect(readJson(f, `__cluster/approvals/${approvalId}.json`).consumed_at).toEqual(
      expect.any(String),
    );
    // Sidecar retired.
    expect(noRecoveriesLeft(f)).toBe(true);
    // A consumed approval authorizes nothing further (idempotent re-apply).
    const again = await f.apply();
    expect(again.ok && again.converged && !again.state_written, JSON.stringify(again)).toBe(true);
  });
});

describe("tests.rs: the recovery sweep", () => {
  it("sweep_removes_sidecar_when_root_absent", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const sidecar = await f.writeCreateSidecar("knowledge", "irrelevant", "01ROW1");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    // Row 1: nothing moved; intent removed, run proceeds normally.
    expect(f.text(sidecar)).toBeNull();
    expect(out.converged).toBe(true);
  });

  it("sweep_rolls_forward_completed_create", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedStateResources([]); // state predates the create
    const schemaDigest = (await f.validate()).resource_digests["schema.knowledge"] ?? "";
    const sidecar = await f.writeCreateSidecar("knowledge", schemaDigest, "01ROW4");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_rolled_forward");
    // Row 4: ledger converged to observable reality, audit recorded, sidecar retired.
    const state = f.stateJson();
    expect(state.applied_revision.resources["schema.knowledge"].digest).toBe(schemaDigest);
    const records = Object.values(state.recovery_records) as Array<{
      outcome: string;
      graph_id: string;
    }>;
    expect(records.some((r) => r.outcome === "rolled_forward" && r.graph_id === "knowledge")).toBe(
      true,
    );
    expect(f.text(sidecar)).toBeNull();
    // With the graph rolled forward, the same run converges the catalog.
    expect(out.converged).toBe(true);
  });

  it("sweep_completes_already_recorded_create", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState(); // state already records graph + schema
    const schemaDigest = (await f.validate()).resource_digests["schema.knowledge"] ?? "";
    const sidecar = await f.writeCreateSidecar("knowledge", schemaDigest, "01ROW2");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    // Row 2: the outcome was already durable; no audit entry, sidecar retired.
    expect(f.text(sidecar)).toBeNull();
    expect(Object.keys(f.stateJson().recovery_records ?? {})).toEqual([]);
  });

  it("sweep_keeps_sidecar_for_incomplete_root", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    // A root that exists but cannot be opened: the engine's partial-init gap.
    await f.seedJunkRoot();
    const sidecar = await f.writeCreateSidecar("knowledge", "whatever", "01ROW5");

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("graph_create_incomplete");
    // Row 5: never auto-delete; sidecar and root stay, and the error status is persisted.
    expect(f.text(sidecar)).not.toBeNull();
    expect(f.has("graphs/knowledge.omni")).toBe(true);
    const status = f.stateJson().resource_statuses["graph.knowledge"];
    expect(status.status).toBe("error");
    expect(status.conditions).toContain("graph_create_incomplete");
  });

  it("sweep_flags_unexpected_schema_as_pending", async () => {
    const f = clusterFixture();
    await f.seedStateResources([]);
    // The live graph exists with a schema the sidecar never intended.
    await f.initLiveGraph("knowledge", "\nnode Other {\n  name: String @key\n}\n");
    const schemaDigest = (await f.validate()).resource_digests["schema.knowledge"] ?? "";
    const sidecar = await f.writeCreateSidecar("knowledge", schemaDigest, "01ROW6");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true); // warning, not error
    expect(codes(out)).toContain("cluster_recovery_pending");
    // Row 6: refuse to guess; sidecar kept, drifted persisted.
    expect(f.text(sidecar)).not.toBeNull();
    const status = f.stateJson().resource_statuses["graph.knowledge"];
    expect(status.status).toBe("drifted");
    expect(status.conditions).toContain("actual_applied_state_pending");
  });

  it("sweep_retires_schema_sidecar_when_ledger_consistent", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState(); // state digest == live digest
    const sidecar = await f.writeSchemaApplySidecar("knowledge", "never-applied", "01SROW1");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(f.text(sidecar)).toBeNull();
    expect(Object.keys(f.stateJson().recovery_records ?? {})).toEqual([]);
  });

  it("sweep_rolls_forward_completed_schema_apply", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    // The schema apply completed on the graph out of process...
    const db = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
    await db.applySchema(SCHEMA_V2, { allowDataLoss: false });
    // ...the desired config matches it, and the sidecar records the intent.
    f.useSchemaV2();
    const v2Digest = (await f.validate()).resource_digests["schema.knowledge"] ?? "";
    const sidecar = await f.writeSchemaApplySidecar("knowledge", v2Digest, "01SROW3");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_rolled_forward");
    expect(f.text(sidecar)).toBeNull();
    const state = f.stateJson();
    expect(state.applied_revision.resources["schema.knowledge"].digest).toBe(v2Digest);
    const records = Object.values(state.recovery_records) as Array<{
      kind: string;
      outcome: string;
    }>;
    expect(records.some((r) => r.kind === "schema_apply" && r.outcome === "rolled_forward")).toBe(
      true,
    );
    expect(out.converged).toBe(true);
  });

  it("sweep_flags_unexpected_schema_apply_state_as_pending", async () => {
    const f = clusterFixture();
    await f.initLiveGraph(); // live = v1
    await f.seedStateResources([["schema.knowledge", "stale-digest"]]);
    // The sidecar intended a digest that is neither live nor recorded.
    const sidecar = await f.writeSchemaApplySidecar("knowledge", "intended-digest", "01SROW6");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true); // warnings only
    expect(codes(out)).toContain("cluster_recovery_pending");
    expect(f.text(sidecar)).not.toBeNull();
    expect(f.stateJson().resource_statuses["schema.knowledge"].status).toBe("drifted");
  });

  it("sweep_keeps_schema_sidecar_for_unopenable_root", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    // Upstream: an empty directory at the root (exists, won't open). An object store has no
    // empty directories; a placeholder object stands in for it.
    await f.put("graphs/knowledge.omni/placeholder", "");
    const sidecar = await f.writeSchemaApplySidecar("knowledge", "whatever", "01SROWX");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true); // warning: cannot verify
    expect(codes(out)).toContain("cluster_recovery_pending");
    expect(f.text(sidecar)).not.toBeNull();
  });

  it("sweep_retires_delete_sidecar_when_tombstoned", async () => {
    const f = clusterFixture();
    await f.seedApplyableState(); // no graph.old in state, no root
    const sidecar = await f.writeDeleteSidecar("old", null, "01DROW7");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(f.text(sidecar)).toBeNull();
    expect(Object.keys(f.stateJson().recovery_records ?? {})).toEqual([]);
  });

  it("sweep_rolls_forward_completed_delete", async () => {
    const f = clusterFixture();
    await f.seedDeletableState();
    // Approve, then simulate: root removed, state stale, sidecar present.
    const approved = await f.approve("graph.old", "andrew");
    const approvalId = approved.approval_id ?? "";
    await f.store.deletePrefix("graphs/old.omni");
    const sidecar = await f.writeDeleteSidecar("old", approvalId, "01DROW7B");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("cluster_recovery_rolled_forward");
    expect(f.text(sidecar)).toBeNull();
    const state = f.stateJson();
    expect(Object.keys(state.applied_revision.resources)).not.toContain("graph.old");
    expect(state.observations["graph.old"].kind).toBe("tombstone");
    expect(state.approval_records[approvalId].consumed_at).toEqual(expect.any(String));
    const records = Object.values(state.recovery_records) as Array<{
      kind: string;
      outcome: string;
    }>;
    expect(records.some((r) => r.kind === "graph_delete" && r.outcome === "rolled_forward")).toBe(
      true,
    );
    // The artifact file is marked consumed post-CAS.
    expect(readJson(f, `__cluster/approvals/${approvalId}.json`).consumed_at).toEqual(
      expect.any(String),
    );
    expect(out.converged).toBe(true);
  });

  it("sweep_reproposes_incomplete_delete", async () => {
    const f = clusterFixture();
    await f.seedDeletableState(); // root present
    const approved = await f.approve("graph.old", "andrew");
    expect(approved.ok).toBe(true);
    const sidecar = await f.writeDeleteSidecar("old", approved.approval_id ?? null, "01DROW8");

    // Row 8: the stale intent is retired with a warning, and the same run re-executes the
    // still-approved delete to completion.
    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(codes(out)).toContain("graph_delete_incomplete");
    expect(f.text(sidecar)).toBeNull();
    expect(f.has("graphs/old.omni")).toBe(false);
    expect(out.converged).toBe(true);
  });
});

describe("tests.rs: read-only commands and pending sidecars", () => {
  it("status_warns_on_pending_recovery_sidecar", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.writeCreateSidecar("knowledge", "irrelevant", "01STATUS");

    const out = await f.status();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(
      out.diagnostics.some(
        (d) => d.code === "cluster_recovery_pending" && d.severity === "warning",
      ),
    ).toBe(true);
  });

  it("read_only_commands_ignore_missing_recovery_sidecar_dir", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    expect(f.has("__cluster/recoveries")).toBe(false);
    const noisy = ["recovery_sidecar_read_error", "cluster_recovery_pending"];

    const status = await f.status();
    expect(status.ok, JSON.stringify(status.diagnostics)).toBe(true);
    expect(codes(status).filter((c) => noisy.includes(c))).toEqual([]);

    const plan = await f.plan();
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(codes(plan).filter((c) => noisy.includes(c))).toEqual([]);
  });

  it("read_only_commands_warn_on_pending_recovery_sidecar_in_storage_root", async () => {
    const f = clusterFixture();
    useStorageRoot(f, STORAGE);
    const validated = await f.validate();
    expect(validated.ok, JSON.stringify(validated.diagnostics)).toBe(true);
    const schemaDigest = validated.resource_digests["schema.knowledge"] ?? "";
    const composite = graphDigest("knowledge", schemaDigest, new Map(), undefined, undefined);
    const prefix = storagePrefix(f, STORAGE);
    await writeStateResourcesAt(f, prefix, [
      ["graph.knowledge", composite],
      ["schema.knowledge", schemaDigest],
    ]);
    // tests.rs `write_create_sidecar(storage, …)`: the sidecar names the storage root's graph.
    await f.put(
      `${prefix}__cluster/recoveries/01STORAGE.json`,
      JSON.stringify(
        {
          schema_version: 1,
          operation_id: "01STORAGE",
          started_at: "1970-01-01T00:00:00Z",
          kind: "graph_create",
          graph_id: "knowledge",
          graph_uri: derivedGraphUri(STORAGE, "knowledge"),
          desired_schema_digest: "irrelevant",
        },
        null,
        2,
      ),
    );
    const pendingThere = (d: { code: string; path: string }) =>
      d.code === "cluster_recovery_pending" && d.path.includes("01STORAGE.json");

    const status = await f.status();
    expect(status.ok, JSON.stringify(status.diagnostics)).toBe(true);
    expect(status.diagnostics.some(pendingThere), JSON.stringify(status.diagnostics)).toBe(true);

    const plan = await f.plan();
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.diagnostics.some(pendingThere), JSON.stringify(plan.diagnostics)).toBe(true);

    expect(f.has("__cluster/recoveries")).toBe(false);
    // Spec §8.2: nothing created in the config dir at all.
    expect(f.store.keys().filter((k) => !k.startsWith(prefix))).toEqual([]);
  });
});

describe("tests.rs: policy bindings and embedding profiles", () => {
  it("binding_change_is_a_visible_plan_change", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const converge = await f.apply();
    expect(converge.converged, JSON.stringify(converge)).toBe(true);
    // Edit only applies_to: the policy file digest is unchanged.
    f.writeFile(
      "cluster.yaml",
      f
        .readFile("cluster.yaml")
        .replace("applies_to: [knowledge]", "applies_to: [cluster, knowledge]"),
    );

    const plan = await f.plan();
    const change = changeFor(plan, "policy.base");
    expect(change.binding_change).toBe(true);
    expect(change.metadata_change).toBe("policy_bindings");
    expect(change.operation).toBe("update");
    expect(change.before_digest).toBe(change.after_digest);

    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out)).toBe(true);
    expect(f.stateJson().applied_revision.resources["policy.base"].applies_to).toEqual([
      "cluster",
      "graph.knowledge",
    ]);
    // Idempotent: a second run sees no changes.
    const again = await f.apply();
    expect(again.changes.length === 0 && !again.state_written, JSON.stringify(again)).toBe(true);
  });

  it("pre_5a_state_backfills_bindings", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const converge = await f.apply();
    expect(converge.converged, JSON.stringify(converge)).toBe(true);
    // Strip the bindings from the state entry (a pre-5A ledger).
    await rewriteState(f, (state) => {
      delete state.applied_revision.resources["policy.base"].applies_to;
    });

    const plan = await f.plan();
    expect(
      plan.changes.some(
        (c) =>
          c.resource === "policy.base" &&
          c.binding_change === true &&
          c.metadata_change === "policy_bindings",
      ),
      JSON.stringify(plan.changes),
    ).toBe(true);
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out)).toBe(true);
    expect(f.stateJson().applied_revision.resources["policy.base"].applies_to).toEqual([
      "graph.knowledge",
    ]);
  });

  it("apply_records_policy_bindings", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();

    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);
    const resources = f.stateJson().applied_revision.resources;
    expect(resources["policy.base"].applies_to).toEqual(["graph.knowledge"]);
    // Non-policy entries carry no bindings field at all.
    expect(Object.keys(resources["query.knowledge.find_person"])).not.toContain("applies_to");
  });

  it("bindings_survive_refresh", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    await f.seedApplyableState();
    const converge = await f.apply();
    expect(converge.converged, JSON.stringify(converge)).toBe(true);

    const refresh = await f.refresh();
    expect(refresh.ok, JSON.stringify(refresh.diagnostics)).toBe(true);
    expect(f.stateJson().applied_revision.resources["policy.base"].applies_to).toEqual([
      "graph.knowledge",
    ]);
  });

  it("pre_5a_state_backfills_embedding_profile", async () => {
    const f = clusterFixture();
    await f.initLiveGraph();
    f.writeFile("cluster.yaml", mockEmbeddingClusterYaml("recorded-x"));
    await f.seedApplyableState();
    const converge = await f.apply();
    expect(converge.converged, JSON.stringify(converge)).toBe(true);

    await rewriteState(f, (state) => {
      delete state.applied_revision.resources["provider.embedding.default"].embedding_profile;
    });

    const plan = await f.plan();
    const change = changeFor(plan, "provider.embedding.default");
    expect(change.operation).toBe("update");
    expect(change.before_digest).toBe(change.after_digest);
    expect(change.metadata_change).toBe("embedding_profile");

    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out)).toBe(true);
    expect(
      f.stateJson().applied_revision.resources["provider.embedding.default"].embedding_profile
        .model,
    ).toBe("recorded-x");
    const snapshot = await readServingSnapshot(f.world.spawn("serve"), {
      clusterRoot: f.configDir,
      workTree: f.workTree,
    });
    expect(snapshot.ok, JSON.stringify(snapshot)).toBe(true);
    if (!snapshot.ok) return;
    expect(snapshot.graphs[0]?.embedding?.model).toBe("recorded-x");
  });

  it("apply_records_embedding_provider_profile_and_graph_binding", async () => {
    const f = clusterFixture();
    f.writeFile("cluster.yaml", mockEmbeddingClusterYaml("recorded-x"));
    await f.seedApplyableState();
    const desired = (await f.validate()).resource_digests;
    const queryDigest = desired["query.knowledge.find_person"] ?? "";
    const schemaDigest = desired["schema.knowledge"] ?? "";
    const providerDigest = desired["provider.embedding.default"] ?? "";

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.converged).toBe(true);

    const resources = f.stateJson().applied_revision.resources;
    const provider = resources["provider.embedding.default"];
    expect(provider.digest).toBe(providerDigest);
    expect(provider.embedding_profile.kind).toBe("mock");
    expect(provider.embedding_profile.model).toBe("recorded-x");
    expect(Object.keys(provider.embedding_profile)).not.toContain("api_key");
    expect(resources["graph.knowledge"].embedding_provider).toBe("provider.embedding.default");
    expect(resources["graph.knowledge"].digest).toBe(
      graphDigest(
        "knowledge",
        schemaDigest,
        new Map([["find_person", queryDigest]]),
        "provider.embedding.default",
        providerDigest,
      ),
    );
  });
});

describe("tests.rs: storage root", () => {
  it("storage_root_file_uri_relocates_the_cluster", async () => {
    const f = clusterFixture();
    useStorageRoot(f, STORAGE);
    const prefix = storagePrefix(f, STORAGE);

    const imported = await f.importState();
    expect(imported.ok, JSON.stringify(imported.diagnostics)).toBe(true);
    const out = await f.apply();
    expect(out.ok && out.converged, JSON.stringify(out.diagnostics)).toBe(true);

    // Everything lives under the declared root; nothing under the config dir.
    expect(f.has(`${prefix}${STATE}`)).toBe(true);
    expect(f.has(`${prefix}graphs/knowledge.omni`)).toBe(true);
    expect(f.has(`${prefix}${RESOURCES_DIR}`)).toBe(true);
    expect(f.has(STATE)).toBe(false);
    expect(f.has("graphs")).toBe(false);
    expect(f.store.keys().filter((k) => !k.startsWith(prefix))).toEqual([]);
    // The serving half (the snapshot's roots follow the storage root) is covered by
    // test/server/snapshot.test.ts.
  });
});

describe("tests.rs: general apply invariants", () => {
  it("apply_is_idempotent", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();

    const first = await f.apply();
    expect(first.ok, JSON.stringify(first.diagnostics)).toBe(true);
    expect(first.state_written).toBe(true);
    const stateAfterFirst = f.stateText();

    const second = await f.apply();
    expect(second.ok, JSON.stringify(second.diagnostics)).toBe(true);
    expect(second.changes).toEqual([]);
    expect(second.applied_count).toBe(0);
    expect(second.converged).toBe(true);
    expect(second.state_written).toBe(false);
    expect(f.stateText()).toBe(stateAfterFirst);
    expect(second.state_observations.state_revision).toBe(2);
  });

  it("apply_respects_held_lock", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    await f.writeLockFile("held-lock", "plan");

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(codes(out)).toContain("state_lock_held");
    // The held lock survives a refused apply, and nothing was written.
    expect(f.has(LOCK)).toBe(true);
    expect(f.has(RESOURCES_DIR)).toBe(false);
    expect(f.stateJson().state_revision).toBe(1);
  });

  it("apply_state_lock_false_bypasses_with_warning", async () => {
    const f = clusterFixture();
    f.writeFile("cluster.yaml", LOCK_FALSE_YAML);
    await f.seedApplyableState();

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.state_written).toBe(true);
    expect(out.state_observations.lock_acquired).toBe(false);
    expect(codes(out)).toContain("state_lock_disabled");
    expect(f.has(LOCK)).toBe(false);
  });

  it("apply_skips_existing_payload_blob", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const queryDigest = (await f.validate()).resource_digests["query.knowledge.find_person"] ?? "";
    // Content-addressed blobs are trusted by name: an existing one is never rewritten.
    const blob = f.queryPayloadKey(queryDigest);
    await f.put(blob, "pre-existing");

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(f.text(blob)).toBe("pre-existing");
  });

  it("apply_invalid_config_fails_before_lock", async () => {
    const f = clusterFixture();
    f.writeFile("cluster.yaml", "version: 1\nnot_a_field: true\n");

    const out = await f.apply();
    expect(out.ok).toBe(false);
    // Config errors bail before the lock or any state directory exists.
    expect(f.has("__cluster")).toBe(false);
  });

  it("apply_state_write_failure_reports_persisted_statuses", async () => {
    const f = clusterFixture();
    // lock: false so the only write into __cluster/ is state.json itself.
    f.writeFile("cluster.yaml", LOCK_FALSE_YAML);
    await f.seedApplyableState();
    // Pre-create the payload blob so the payload phase is a no-op and the failure lands
    // exactly at the state write.
    const queryDigest = (await f.validate()).resource_digests["query.knowledge.find_person"] ?? "";
    await f.put(f.queryPayloadKey(queryDigest), QUERY);
    // Upstream makes `__cluster/` read-only (chmod 0555); the model refuses the state write
    // itself with an I/O error at its step label.
    f.world.failpoints.set("cluster.state.write.before", "error(permission denied)");

    const out = await f.apply();
    f.world.failpoints.clearAll();
    expect(out.ok).toBe(false);
    expect(out.state_written).toBe(false);
    expect(codes(out), JSON.stringify(out.diagnostics)).toContain("state_write_error");
    // The seeded state has no statuses; the failed apply must not invent the in-memory
    // `applied` ones it failed to persist.
    expect(out.resource_statuses).toEqual({});
  });

  it("apply_without_state_fails_with_state_missing", async () => {
    const f = clusterFixture();

    const out = await f.apply();
    expect(out.ok).toBe(false);
    expect(
      out.diagnostics.some(
        (d) => d.code === "state_missing" && d.message.includes("cluster import"),
      ),
    ).toBe(true);
    expect(f.has(STATE)).toBe(false);
    expect(f.has(RESOURCES_DIR)).toBe(false);
    expect(f.has(LOCK)).toBe(false);
  });

  it("apply_writes_payloads_state_and_statuses", async () => {
    const f = clusterFixture();
    await f.seedApplyableState();
    const desired = (await f.validate()).resource_digests;
    const queryDigest = desired["query.knowledge.find_person"] ?? "";
    const policyDigest = desired["policy.base"] ?? "";
    const schemaDigest = desired["schema.knowledge"] ?? "";

    const out = await f.apply();
    expect(out.ok, JSON.stringify(out.diagnostics)).toBe(true);
    expect(out.applied_count).toBe(2);
    expect(out.deferred_count).toBe(0);
    expect(out.converged).toBe(true);
    expect(out.state_written).toBe(true);

    expect(f.text(f.queryPayloadKey(queryDigest))).toBe(QUERY);
    expect(f.text(f.policyPayloadKey(policyDigest))).toBe("rules: []\n");

    const state = f.stateJson();
    expect(state.state_revision).toBe(2);
    const resources = state.applied_revision.resources;
    expect(resources["query.knowledge.find_person"].digest).toBe(queryDigest);
    expect(resources["policy.base"].digest).toBe(policyDigest);
    expect(resources["graph.knowledge"].digest).toBe(
      graphDigest(
        "knowledge",
        schemaDigest,
        new Map([["find_person", queryDigest]]),
        undefined,
        undefined,
      ),
    );
    expect(state.applied_revision.config_digest).toBe(out.desired_revision.config_digest);
    expect(state.resource_statuses["query.knowledge.find_person"].status).toBe("applied");
    expect(state.resource_statuses["policy.base"].status).toBe("applied");
    expect(f.has(LOCK)).toBe(false);
  });
});
