import { describe, expect, it } from "vitest";
import { openGraph } from "../../src/engine/index.ts";
import type { DefectName } from "../../src/world/defects.ts";
import { changeFor, clusterFixture, codes, mockEmbeddingClusterYaml, SCHEMA } from "./fixture.ts";

/**
 * Each known-bad variant against the fixed model: same scenario, the defect reproduces what
 * upstream did before the fix (spec §7), the default does what 7fd23c54 does.
 */
async function branchedCluster(defects: DefectName[] = []) {
  const f = clusterFixture({ defects });
  await f.convergeWithLiveGraph();
  const g = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_write");
  await g.createBranch("feature");
  f.useSchemaV2();
  return f;
}

describe("defect arm-before-preview (the recovery-sidecar trap)", () => {
  it("fixed: the rejected schema apply never leaves a sidecar", async () => {
    const f = await branchedCluster();
    for (let run = 0; run < 3; run++) {
      const out = await f.apply();
      expect(out.diagnostics.find((d) => d.code === "schema_apply_failed")?.message).toContain(
        "schema apply is not supported on",
      );
      expect(f.sidecarKeys()).toEqual([]);
    }
  });

  it("defect: every run leaves a fresh sidecar behind, the remedy included", async () => {
    const f = await branchedCluster(["arm-before-preview"]);
    const first = await f.apply();
    expect(first.ok).toBe(false);
    const failure = first.diagnostics.find((d) => d.code === "schema_apply_failed");
    expect(failure?.message).toContain("schema apply failed on '/cluster/graphs/knowledge.omni'");
    expect(failure?.message).toContain("schema apply requires a graph with only main");
    const s1 = f.sidecarKeys();
    expect(s1).toHaveLength(1);
    expect(f.sidecars()[0]).toMatchObject({
      kind: "schema_apply",
      expected_manifest_version: null,
    });
    // "Run any state-mutating command": the sweep retires S1, and the same run arms S2.
    const second = await f.apply();
    expect(second.ok).toBe(false);
    const s2 = f.sidecarKeys();
    expect(s2).toHaveLength(1);
    expect(s2).not.toEqual(s1);
    // The graph itself never moved.
    const live = await openGraph(f.harnessProc(), f.graphKey("knowledge"), "read_only");
    expect(live.schemaSource()).toBe(SCHEMA);
  });

  it("defect: a failed source re-read after arming deletes the sidecar (pre-fix cleanup path)", async () => {
    const f = clusterFixture({ defects: ["arm-before-preview"] });
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    const order: string[] = [];
    f.world.failpoints.setCallback("cluster.sidecar.write.before", () => {
      order.push("arm");
      return "continue";
    });
    f.world.failpoints.setCallback("cluster_apply.before_schema_apply", () => {
      order.push("failpoint");
      // The working tree changes under the lock: the re-read digest check fails.
      f.writeFile("people.pg", "\nnode Person {\n  name: String @key\n}\n");
      return "continue";
    });
    const out = await f.apply();
    expect(order).toEqual(["arm", "failpoint"]);
    expect(codes(out)).toContain("resource_content_changed");
    expect(f.sidecarKeys()).toEqual([]);
  });
});

describe("defect no-embedding-backfill", () => {
  async function strippedProfile(defects: DefectName[] = []) {
    const f = clusterFixture({ defects });
    f.writeFile("cluster.yaml", mockEmbeddingClusterYaml("recorded-x"));
    await f.convergeWithLiveGraph();
    const state = f.stateJson();
    delete state.applied_revision.resources["provider.embedding.default"].embedding_profile;
    await f.put("__cluster/state.json", `${JSON.stringify(state, null, 2)}\n`);
    return f;
  }

  it("fixed: plan shows a metadata update and apply restores the profile", async () => {
    const f = await strippedProfile();
    const plan = await f.plan();
    expect(changeFor(plan, "provider.embedding.default")).toMatchObject({
      operation: "update",
      metadata_change: "embedding_profile",
      disposition: "applied",
    });
    const c = changeFor(plan, "provider.embedding.default");
    expect(c.before_digest).toBe(c.after_digest);
    const out = await f.apply();
    expect(out.ok && out.converged && out.state_written).toBe(true);
    expect(
      f.stateJson().applied_revision.resources["provider.embedding.default"].embedding_profile,
    ).toEqual({
      kind: "mock",
      model: "recorded-x",
    });
  });

  it("defect: nothing notices the missing profile; apply reports converged and writes nothing", async () => {
    const f = await strippedProfile(["no-embedding-backfill"]);
    const plan = await f.plan();
    expect(plan.changes).toEqual([]);
    const out = await f.apply();
    expect(out.ok && out.converged).toBe(true);
    expect(out.state_written).toBe(false);
    expect(
      f.stateJson().applied_revision.resources["provider.embedding.default"].embedding_profile,
    ).toBeUndefined();
  });
});

describe("defect silent-sidecar-cleanup", () => {
  async function failedCleanup(defects: DefectName[] = []) {
    const f = clusterFixture({ defects });
    await f.convergeWithLiveGraph();
    f.useSchemaV2();
    f.world.failpoints.set("schema_apply.before_staging_write", "error");
    f.world.failpoints.set("cluster.sidecar.delete_unmoved.before", "error(permission denied)");
    return { f, out: await f.apply() };
  }

  it("fixed: the failed delete is a recovery_sidecar_cleanup_failed warning", async () => {
    const { f, out } = await failedCleanup();
    expect(codes(out)).toContain("recovery_sidecar_cleanup_failed");
    expect(f.sidecarKeys()).toHaveLength(1);
  });

  it("defect: the same failed delete is discarded silently", async () => {
    const { f, out } = await failedCleanup(["silent-sidecar-cleanup"]);
    expect(codes(out)).not.toContain("recovery_sidecar_cleanup_failed");
    expect(codes(out)).toContain("schema_apply_failed");
    expect(f.sidecarKeys()).toHaveLength(1);
  });
});
