import { describe, expect, it } from "vitest";
import { applyOp } from "../../sim/ops/apply.ts";
import type { DrawView } from "../../sim/ops/OpSpec.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { FixtureSchema } from "../../sim/scenario/schema.ts";
import { type DesiredConfig, desiredFromFixture } from "../../sim/universe/desired.ts";
import type { GraphView, Observation } from "../../sim/universe/observe.ts";
import { remedyStep } from "../../sim/universe/respond.ts";
import { resolveSwarm } from "../../sim/universe/swarm.ts";
import { SCHEMA_TEXT } from "../../sim/universe/texts.ts";
import { Rng } from "../../src/world/rng.ts";

/** A converged two-graph cluster as the sampler sees it, with `edit` applied to the desire. */
function view(edit: (d: DesiredConfig) => void = () => {}, obs: Partial<Observation> = {}) {
  const desired = desiredFromFixture(FixtureSchema.parse({ graphs: ["archive", "knowledge"] }));
  const live = (): GraphView => ({
    exists: true,
    schemaDigest: null,
    schemaText: SCHEMA_TEXT.v1,
    mainVersion: 3,
    staging: false,
    engineSidecars: 0,
    branches: ["main"],
  });
  const observation: Observation = {
    ledger: null,
    lockId: null,
    lockPresent: false,
    sidecars: [],
    graphs: { archive: live(), knowledge: live() },
    ...obs,
  };
  edit(desired);
  const ids = desired.graphs.map((g) => g.id);
  const v: DrawView = {
    desired,
    obs: observation,
    reachedByOp: new Map(),
    desiredIds: ids,
    ledgerGraphs: ["archive", "knowledge"],
    rootGraphs: Object.keys(observation.graphs),
  };
  return v;
}

const draws = (v: DrawView, n = 50) =>
  Array.from({ length: n }, (_, i) => remedyStep(Rng.root(i).child("t"), v));

describe("the responsive operator (sim/universe/respond.ts)", () => {
  it("has nothing to fix in a converged cluster", () => {
    expect(draws(view()).every((s) => s === null)).toBe(true);
  });

  it("rewrites a schema apply refuses to one it accepts, on that graph", () => {
    for (const refused of ["parse-error", "add-required", "type-change"] as const) {
      const v = view((d) => {
        const g = d.graphs.find((x) => x.id === "knowledge");
        if (g) g.schema = refused;
      });
      for (const s of draws(v)) {
        expect(s?.op).toBe("edit-schema");
        if (s?.op !== "edit-schema") continue;
        expect(s.graph).toBe("knowledge");
        expect(["parse-error", "add-required", "type-change"]).not.toContain(s.change);
      }
    }
  });

  it("reverts a query that does not check against its schema", () => {
    const v = view((d) => {
      const g = d.graphs.find((x) => x.id === "archive");
      if (g) g.query = "use-bio";
    });
    expect(draws(v)).toContainEqual({ op: "edit-query", graph: "archive", change: "revert" });
  });

  it("removes a stale lock, reverts hostile config, approves a pending deletion", () => {
    expect(draws(view(() => {}, { lockPresent: true }))).toContainEqual({ op: "force-unlock" });
    const hostile = view((d) => {
      d.policy.hostile = "second-bundle";
      d.provider.hostile = "unset-env";
      d.cluster = "duplicate-key";
      d.graphs = d.graphs.filter((g) => g.id !== "archive");
    });
    const fixes = draws(hostile, 200);
    for (const fix of [
      { op: "edit-policy", change: "revert" },
      { op: "edit-provider", change: "revert" },
      { op: "edit-cluster", change: "revert" },
      { op: "approve", resource: "graph.archive" },
    ])
      expect(fixes).toContainEqual(fix);
  });

  it("is a swarm feature: on in some default universes, off in others", () => {
    const s = findScenario("default", shippedScenarios());
    const on = Array.from({ length: 200 }, (_, i) => resolveSwarm(s, i + 1)).filter(
      (x) => x.kind === "generative" && x.respond > 0,
    ).length;
    expect(on).toBeGreaterThan(60);
    expect(on).toBeLessThan(140);
  });
});

describe("apply names where it works (crash placement's bias)", () => {
  const work = (v: DrawView) => applyOp.work?.(v) ?? [];

  it("names nothing when nothing is pending", () => {
    expect(work(view())).toEqual([]);
  });

  it("names the create path for a graph without a root", () => {
    const w = work(view((d) => d.graphs.push({ id: "people", schema: "v1", query: "v1" })));
    expect(w).toContain("cluster_apply.after_graph_create");
    expect(w).toContain("engine.init.");
    expect(w).not.toContain("engine.schema_apply.");
    expect(w).toContain("cluster.state.write.");
  });

  it("names the schema path for a schema that differs from the live one", () => {
    const w = work(
      view((d) => {
        const g = d.graphs.find((x) => x.id === "archive");
        if (g) g.schema = "add-optional";
      }),
    );
    expect(w).toContain("engine.schema_apply.");
    expect(w).toContain("cluster.sidecar.delete_unmoved.");
    expect(w).not.toContain("engine.init.");
  });

  it("names the delete path for a recorded graph no longer desired", () => {
    const w = work(view((d) => (d.graphs = d.graphs.filter((g) => g.id !== "archive"))));
    expect(w).toContain("cluster_apply.before_graph_delete");
    expect(w).not.toContain("engine.schema_apply.");
  });
});

describe("novelty crashes with nth", () => {
  it("fire at the nth failpoint the step passes for the first time in life, birth aside", async () => {
    const { runUniverse } = await import("../../sim/universe/run.ts");
    const { jobContext } = await import("../../sim/orchestrator/runJob.ts");
    const { ScriptedScenarioSchema } = await import("../../sim/scenario/schema.ts");
    const fired: string[] = [];
    for (const nth of [1, 2, 3]) {
      const scenario = ScriptedScenarioSchema.parse({
        kind: "scripted",
        name: "nth",
        description: "a novelty crash at the nth new point of the first life apply",
        fixture: { graphs: ["knowledge"] },
        steps: [
          { op: "add-graph", graph: "people" },
          { op: "apply", crash: { kind: "novelty", mode: "error", rate: 0.01, nth } },
        ],
        liveness: false,
      });
      const r = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
      const c = r.result.steps[1]?.crash;
      if (c === undefined || Array.isArray(c) || c.kind !== "failpoint")
        throw new Error(`nth ${nth} fired nowhere`);
      fired.push(c.name);
    }
    // Birth passed all of these too; in life each is new again, in the order apply passes
    // them (the lock, then arming the create's sidecar: reads have no failpoint).
    expect(fired).toEqual([
      "cluster.lock.acquire.before",
      "cluster.lock.acquire.after",
      "cluster.sidecar.write.before",
    ]);
  });
});
