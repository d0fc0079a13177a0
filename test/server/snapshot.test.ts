import { Volume } from "memfs";
import { describe, expect, it } from "vitest";
import { type FsReadLike, fsWorkTree } from "../../src/cluster/worktree.ts";
import { readServingSnapshot } from "../../src/server/index.ts";
import type { World } from "../../src/world/world.ts";
import {
  codes,
  FIND_PERSON_GQ,
  newWorld,
  policyBlobKey,
  putText,
  queryBlobKey,
  seedLedger,
  seedSidecar,
} from "./fixtures.ts";

const ROOT = { clusterRoot: "/cluster" };
const BASE_POLICY = "rules: []\n";

async function converged(world: World): Promise<void> {
  await seedLedger(world, {
    graphs: [{ id: "knowledge", queries: { find_person: FIND_PERSON_GQ } }],
    policies: [{ name: "base", text: BASE_POLICY, appliesTo: ["graph.knowledge"] }],
  });
}

function snapshotOf(world: World) {
  return readServingSnapshot(world.spawn("serve"), ROOT);
}

describe("serving snapshot (layer 1)", () => {
  it("serving_snapshot_reads_converged_cluster", async () => {
    const w = newWorld();
    await converged(w);
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.graphs).toEqual([
      {
        graph_id: "knowledge",
        root: "/cluster/graphs/knowledge.omni",
        key: "graphs/knowledge.omni",
        embedding: null,
      },
    ]);
    expect(s.queries).toEqual([
      { graph_id: "knowledge", name: "find_person", source: FIND_PERSON_GQ },
    ]);
    expect(s.policies).toEqual([
      { name: "base", source: BASE_POLICY, applies_to: ["graph.knowledge"] },
    ]);
    expect(s.quarantined).toEqual([]);
    expect(s.diagnostics).toEqual([]);
  });

  it("serving_snapshot_uses_applied_embedding_provider_profile", async () => {
    const w = newWorld();
    await seedLedger(w, {
      providers: [{ name: "default", profile: { kind: "mock", model: "recorded-x" } }],
      graphs: [{ id: "knowledge", provider: "default" }],
    });
    const s = await snapshotOf(w);
    expect(s.ok && s.graphs[0]?.embedding).toEqual({ kind: "mock", model: "recorded-x" });
  });

  it("serving_snapshot_refuses_missing_embedding_provider_metadata", async () => {
    const w = newWorld();
    await seedLedger(w, {
      providers: [{ name: "default", digestOf: { kind: "mock", model: "recorded-x" } }],
      graphs: [{ id: "knowledge", provider: "default" }],
    });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(codes(s.errors)).toEqual([
      "embedding_provider_profile_missing",
      "embedding_provider_missing",
    ]);
    expect(s.errors[0]?.path).toBe("provider.embedding.default");
    expect(s.errors[1]?.path).toBe("graph.knowledge");
  });

  it("refuses a recorded profile that does not hash to its digest", async () => {
    const w = newWorld();
    await seedLedger(w, {
      providers: [
        {
          name: "default",
          profile: { kind: "mock", model: "a" },
          digestOf: { kind: "mock", model: "b" },
        },
      ],
      graphs: [{ id: "knowledge", provider: "default" }],
    });
    const s = await snapshotOf(w);
    expect(!s.ok && codes(s.errors)).toEqual([
      "embedding_provider_digest_mismatch",
      "embedding_provider_missing",
    ]);
  });

  it("ignores a broken provider profile that no served graph binds", async () => {
    const w = newWorld();
    await seedLedger(w, {
      providers: [{ name: "default", digestOf: { kind: "mock" } }],
      graphs: [{ id: "archive" }, { id: "knowledge", provider: "default" }],
    });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
    expect(s.ok && s.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
  });

  it("refuses a graph bound to something that is not a provider", async () => {
    const w = newWorld();
    await seedLedger(w, { graphs: [{ id: "knowledge" }] });
    const text = (await w.store.get("__cluster/state.json"))?.text ?? "";
    const state = JSON.parse(text);
    state.applied_revision.resources["graph.knowledge"].embedding_provider = "policy.base";
    await putText(w, "__cluster/state.json", JSON.stringify(state));
    const s = await snapshotOf(w);
    expect(!s.ok && codes(s.errors)).toEqual(["wrong_kind_reference"]);
  });

  it("serving_snapshot_refuses_missing_state", async () => {
    const s = await snapshotOf(newWorld());
    expect(!s.ok && codes(s.errors)).toEqual(["cluster_state_missing"]);
  });

  it("refuses an unparseable or wrong-version ledger", async () => {
    const w = newWorld();
    await putText(w, "__cluster/state.json", "{ not json");
    expect(await snapshotOf(w)).toMatchObject({
      ok: false,
      errors: [{ code: "invalid_state_json" }],
    });
    await putText(w, "__cluster/state.json", '{"version":2,"applied_revision":{}}');
    expect(await snapshotOf(w)).toMatchObject({
      ok: false,
      errors: [{ code: "unsupported_state_version" }],
    });
  });

  it("serving_snapshot_refuses_pending_recovery", async () => {
    const w = newWorld();
    await converged(w);
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(codes(s.errors)).toEqual(["cluster_no_healthy_graphs"]);
    expect(s.errors[0]?.path).toBe("__cluster/recoveries");
    expect(s.diagnostics).toMatchObject([
      { code: "cluster_recovery_pending", severity: "warning", path: "graph.knowledge" },
    ]);
    expect(s.diagnostics[0]?.message).toContain("01SERVE");
  });

  it("serving_snapshot_quarantines_one_graph_with_pending_recovery", async () => {
    const w = newWorld();
    await seedLedger(w, { graphs: [{ id: "knowledge" }, { id: "archive" }] });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
    expect(s.queries).toEqual([]);
    expect(s.policies).toEqual([]);
    expect(s.quarantined).toEqual(["knowledge"]);
    expect(s.diagnostics).toMatchObject([
      { code: "cluster_recovery_pending", path: "graph.knowledge" },
    ]);
  });

  it("drops a quarantined graph's queries and bindings, and never reads a bundle left unbound", async () => {
    const w = newWorld();
    await seedLedger(w, {
      graphs: [{ id: "archive" }, { id: "knowledge", queries: { find_person: FIND_PERSON_GQ } }],
      policies: [
        {
          name: "shared",
          text: BASE_POLICY,
          appliesTo: ["cluster", "graph.archive", "graph.knowledge"],
        },
        { name: "only_k", text: "only knowledge\n", appliesTo: ["graph.knowledge"] },
      ],
    });
    // Tampered blobs of the quarantined graph cannot fail the boot: they are never read.
    const { sha256Hex } = await import("../../src/util/digest.ts");
    await putText(w, policyBlobKey("only_k", sha256Hex("only knowledge\n")), "tampered");
    await putText(
      w,
      queryBlobKey("knowledge", "find_person", sha256Hex(FIND_PERSON_GQ)),
      "tampered",
    );
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.queries).toEqual([]);
    expect(s.policies).toEqual([
      { name: "shared", source: BASE_POLICY, applies_to: ["cluster", "graph.archive"] },
    ]);
  });

  it("a sidecar for a graph that is not applied only warns", async () => {
    const w = newWorld();
    await converged(w);
    await seedSidecar(w, { id: "01NEW", graphId: "newgraph", kind: "graph_create" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.graphs.map((g) => g.graph_id)).toEqual(["knowledge"]);
    expect(s.quarantined).toEqual([]);
    expect(s.diagnostics).toMatchObject([
      { code: "cluster_recovery_pending", path: "graph.newgraph" },
    ]);
  });

  it("refuses an unattributed sidecar, without attaching startup warnings", async () => {
    const w = newWorld();
    await converged(w);
    await seedSidecar(w, { id: "01BLANK", graphId: "  " });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(codes(s.errors)).toEqual(["cluster_recovery_unattributed"]);
    expect(s.errors[0]?.path).toBe("file:///cluster/__cluster/recoveries/01BLANK.json");
    expect(s.diagnostics).toEqual([]);
  });

  it("promotes every sidecar listing finding to a cluster-fatal error", async () => {
    const w = newWorld();
    await converged(w);
    await putText(w, "__cluster/recoveries/01BAD.json", "{ not json");
    await putText(
      w,
      "__cluster/recoveries/01V2.json",
      JSON.stringify({
        schema_version: 2,
        operation_id: "01V2",
        started_at: "x",
        kind: "schema_apply",
        graph_id: "knowledge",
        graph_uri: "u",
        desired_schema_digest: "d",
      }),
    );
    const s = await snapshotOf(w);
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(codes(s.errors)).toEqual([
      "invalid_recovery_sidecar",
      "unsupported_recovery_sidecar_version",
    ]);
    expect(s.errors.every((d) => d.severity === "error")).toBe(true);
  });

  it("serving_snapshot_refuses_tampered_blob_and_stripped_bindings", async () => {
    const w = newWorld();
    await seedLedger(w, {
      graphs: [{ id: "knowledge", queries: { find_person: FIND_PERSON_GQ } }],
      policies: [{ name: "base", text: BASE_POLICY }],
    });
    const { sha256Hex } = await import("../../src/util/digest.ts");
    await putText(
      w,
      queryBlobKey("knowledge", "find_person", sha256Hex(FIND_PERSON_GQ)),
      "tampered",
    );
    const s = await snapshotOf(w);
    // Ledger (address) order: `policy.base` sorts before `query.knowledge.find_person`.
    expect(!s.ok && codes(s.errors)).toEqual([
      "policy_bindings_missing",
      "catalog_payload_digest_mismatch",
    ]);
  });

  it("refuses a missing catalog blob", async () => {
    const w = newWorld();
    await converged(w);
    const { sha256Hex } = await import("../../src/util/digest.ts");
    await w.store.delete(queryBlobKey("knowledge", "find_person", sha256Hex(FIND_PERSON_GQ)));
    const s = await snapshotOf(w);
    expect(!s.ok && codes(s.errors)).toEqual(["catalog_payload_missing"]);
  });

  it("serving_snapshot_refuses_empty_cluster", async () => {
    const w = newWorld();
    await seedLedger(w, {});
    const s = await snapshotOf(w);
    expect(!s.ok && codes(s.errors)).toEqual(["cluster_empty"]);
    expect(!s.ok && s.errors[0]?.path).toBe("__cluster/state.json");
  });

  it("never writes to the store", async () => {
    const w = newWorld();
    await converged(w);
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    await snapshotOf(w);
    expect(w.trace.events.filter((e) => e.t === "call" && e.step !== undefined)).toEqual([]);
  });

  it("follows cluster.yaml's storage root, and ignores a config that does not parse", async () => {
    const w = newWorld();
    const vol = new Volume();
    vol.mkdirSync("/cluster", { recursive: true });
    vol.writeFileSync("/cluster/cluster.yaml", "version: 1\nstorage: ./store\n");
    const workTree = fsWorkTree(vol.promises as unknown as FsReadLike);
    await seedLedger(w, { graphs: [{ id: "knowledge" }] });
    // The ledger sits at the store root, not under ./store: serving from ./store finds none.
    const relocated = await readServingSnapshot(w.spawn("serve"), {
      clusterRoot: "/cluster",
      workTree,
    });
    expect(!relocated.ok && codes(relocated.errors)).toEqual(["cluster_state_missing"]);
    vol.writeFileSync("/cluster/cluster.yaml", "version: [unclosed\n");
    const fallback = await readServingSnapshot(w.spawn("serve"), {
      clusterRoot: "/cluster",
      workTree,
    });
    expect(fallback.ok).toBe(true);
  });

  it("serves straight from a storage-root URI", async () => {
    const w = newWorld();
    const text = FIND_PERSON_GQ;
    const { sha256Hex } = await import("../../src/util/digest.ts");
    await putText(
      w,
      `@s3/bucket/prefix/${queryBlobKey("knowledge", "find_person", sha256Hex(text))}`,
      text,
    );
    await seedLedger(w, { graphs: [{ id: "knowledge" }] });
    const state = (await w.store.get("__cluster/state.json"))?.text ?? "";
    await putText(w, "@s3/bucket/prefix/__cluster/state.json", state);
    const s = await readServingSnapshot(w.spawn("serve"), { clusterRoot: "s3://bucket/prefix" });
    expect(s.ok && s.graphs).toEqual([
      {
        graph_id: "knowledge",
        root: "s3://bucket/prefix/graphs/knowledge.omni",
        key: "@s3/bucket/prefix/graphs/knowledge.omni",
        embedding: null,
      },
    ]);
  });
});

describe("serving snapshot before #284 (defect serve-refuses-any-sidecar)", () => {
  it("any valid sidecar refuses the whole cluster with one error at the recoveries dir", async () => {
    const w = newWorld({ defects: ["serve-refuses-any-sidecar"] });
    await seedLedger(w, { graphs: [{ id: "knowledge" }, { id: "archive" }] });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const s = await snapshotOf(w);
    expect(s.ok).toBe(false);
    if (s.ok) return;
    expect(s.errors).toEqual([
      {
        code: "cluster_recovery_pending",
        severity: "error",
        path: "__cluster/recoveries",
        message:
          "1 interrupted operation(s) await recovery; run any state-mutating cluster command (e.g. `cluster apply`) to sweep, then retry",
      },
    ]);
  });

  it("a malformed sidecar is only a warning, and does not block serving", async () => {
    const w = newWorld({ defects: ["serve-refuses-any-sidecar"] });
    await converged(w);
    await putText(w, "__cluster/recoveries/01BAD.json", "{ not json");
    const s = await snapshotOf(w);
    expect(s.ok).toBe(true);
  });

  it("demands a profile for every provider, bound or not", async () => {
    const w = newWorld({ defects: ["serve-refuses-any-sidecar"] });
    await seedLedger(w, { providers: [{ name: "unused" }], graphs: [{ id: "knowledge" }] });
    const s = await snapshotOf(w);
    expect(!s.ok && codes(s.errors)).toEqual(["embedding_provider_profile_missing"]);
    const fixed = newWorld();
    await seedLedger(fixed, { providers: [{ name: "unused" }], graphs: [{ id: "knowledge" }] });
    expect((await snapshotOf(fixed)).ok).toBe(true);
  });
});
