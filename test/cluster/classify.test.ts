import { describe, expect, it } from "vitest";
import { classifyChanges, demoteDependentsOfFailedGraphs } from "../../src/cluster/classify.ts";
import type { Dependency } from "../../src/cluster/config/desired.ts";
import { computeApprovals, diffResources } from "../../src/cluster/diff.ts";
import type { FailedGraphOrigin, PlanChange } from "../../src/cluster/plan.ts";

type Op = PlanChange["operation"];

function change(resource: string, operation: Op): PlanChange {
  return { resource, operation };
}

function classify(
  changes: PlanChange[],
  opts: { pending?: string[]; approved?: string[]; deps?: Dependency[] } = {},
): Record<string, string> {
  classifyChanges(
    changes,
    opts.deps ?? [],
    new Set(opts.pending ?? []),
    new Set(opts.approved ?? []),
  );
  return Object.fromEntries(
    changes.map((c) => [
      c.resource,
      c.reason === undefined ? `${c.disposition}` : `${c.disposition}:${c.reason}`,
    ]),
  );
}

const POLICY_DEP: Dependency[] = [{ from: "policy.p", to: "graph.g" }];

describe("the disposition matrix (spec §2.6)", () => {
  it("schema rows", () => {
    expect(classify([change("schema.g", "create"), change("graph.g", "create")])).toMatchObject({
      "schema.g": "applied",
    });
    expect(
      classify([change("schema.g", "create"), change("graph.g", "create")], { pending: ["g"] }),
    ).toMatchObject({
      "schema.g": "blocked:cluster_recovery_pending",
      "graph.g": "blocked:cluster_recovery_pending",
    });
    expect(classify([change("schema.g", "update")])).toEqual({ "schema.g": "applied" });
    expect(classify([change("schema.g", "update")], { pending: ["g"] })).toEqual({
      "schema.g": "blocked:cluster_recovery_pending",
    });
    // A standalone schema create reuses the recovery reason (spec A.9).
    expect(classify([change("schema.g", "create")])).toEqual({
      "schema.g": "blocked:cluster_recovery_pending",
    });
    expect(classify([change("schema.g", "delete")])).toEqual({
      "schema.g": "deferred:apply_unsupported_kind",
    });
    const withDelete = () => [change("schema.g", "delete"), change("graph.g", "delete")];
    expect(classify(withDelete(), { approved: ["graph.g"] })).toMatchObject({
      "schema.g": "applied",
    });
    expect(classify(withDelete(), { approved: ["graph.g"], pending: ["g"] })).toMatchObject({
      "schema.g": "blocked:cluster_recovery_pending",
    });
    expect(classify(withDelete())).toMatchObject({ "schema.g": "blocked:approval_required" });
  });

  it("graph rows", () => {
    expect(classify([change("graph.g", "create")])).toEqual({ "graph.g": "applied" });
    expect(classify([change("graph.g", "update")])).toEqual({ "graph.g": "derived" });
    expect(classify([change("graph.g", "update"), change("schema.g", "delete")])).toMatchObject({
      "graph.g": "deferred:apply_unsupported_kind",
    });
    expect(classify([change("graph.g", "update"), change("schema.g", "create")])).toMatchObject({
      "graph.g": "deferred:apply_unsupported_kind",
    });
    expect(classify([change("graph.g", "delete")])).toEqual({
      "graph.g": "blocked:approval_required",
    });
    expect(classify([change("graph.g", "delete")], { approved: ["graph.g"] })).toEqual({
      "graph.g": "applied",
    });
    expect(
      classify([change("graph.g", "delete")], { approved: ["graph.g"], pending: ["g"] }),
    ).toEqual({
      "graph.g": "blocked:cluster_recovery_pending",
    });
  });

  it("query rows", () => {
    expect(classify([change("query.g.q", "delete")])).toEqual({ "query.g.q": "applied" });
    expect(classify([change("query.g.q", "delete"), change("graph.g", "delete")])).toMatchObject({
      "query.g.q": "blocked:approval_required",
    });
    expect(
      classify([change("query.g.q", "delete"), change("graph.g", "delete")], {
        approved: ["graph.g"],
      }),
    ).toMatchObject({ "query.g.q": "applied" });
    expect(classify([change("query.g.q", "create")], { pending: ["g"] })).toEqual({
      "query.g.q": "blocked:cluster_recovery_pending",
    });
    expect(classify([change("query.g.q", "update"), change("schema.g", "delete")])).toMatchObject({
      "query.g.q": "blocked:dependency_not_applied",
    });
    // A graph create in the same plan does not block its queries.
    expect(classify([change("query.g.q", "create"), change("graph.g", "create")])).toMatchObject({
      "query.g.q": "applied",
    });
  });

  it("policy, provider and unknown rows", () => {
    expect(classify([change("policy.p", "create")], { pending: ["g"], deps: POLICY_DEP })).toEqual({
      "policy.p": "blocked:cluster_recovery_pending",
    });
    expect(classify([change("policy.p", "update")], { deps: POLICY_DEP })).toEqual({
      "policy.p": "applied",
    });
    expect(classify([change("policy.p", "delete")], { pending: ["g"], deps: POLICY_DEP })).toEqual({
      "policy.p": "applied",
    });
    expect(classify([change("provider.embedding.x", "delete")], { pending: ["g"] })).toEqual({
      "provider.embedding.x": "applied",
    });
    expect(classify([change("mystery.thing", "create")])).toEqual({
      "mystery.thing": "deferred:apply_unsupported_kind",
    });
  });
});

describe("demotion after a failed graph", () => {
  function demote(origin: FailedGraphOrigin): Record<string, string> {
    const changes = [
      change("graph.g", "create"),
      change("schema.g", "update"),
      change("query.g.q", "create"),
      change("policy.p", "create"),
      change("query.h.q", "create"),
    ];
    for (const c of changes) c.disposition = "applied";
    demoteDependentsOfFailedGraphs(changes, new Map([["g", origin]]), POLICY_DEP);
    return Object.fromEntries(
      changes.map((c) => [c.resource, `${c.disposition}:${c.reason ?? ""}`]),
    );
  }

  it("origins decide the reasons; other graphs are untouched", () => {
    expect(demote("graph_create")).toEqual({
      "graph.g": "blocked:graph_create_failed",
      "schema.g": "blocked:dependency_not_applied",
      "query.g.q": "blocked:dependency_not_applied",
      "policy.p": "blocked:dependency_not_applied",
      "query.h.q": "applied:",
    });
    expect(demote("schema_apply")).toMatchObject({
      "graph.g": "blocked:dependency_not_applied",
      "schema.g": "blocked:schema_apply_failed",
    });
    expect(demote("graph_delete")).toMatchObject({ "graph.g": "blocked:graph_delete_failed" });
  });

  it("never demotes derived changes", () => {
    const c: PlanChange = { resource: "graph.g", operation: "update", disposition: "derived" };
    demoteDependentsOfFailedGraphs([c], new Map([["g", "schema_apply"]]), []);
    expect(c.disposition).toBe("derived");
  });
});

describe("diff and approval gates", () => {
  it("diffs in address order", () => {
    const changes = diffResources(
      new Map([
        ["schema.k", "old"],
        ["policy.old", "abc"],
        ["graph.k", "g"],
      ]),
      new Map([
        ["graph.k", "g"],
        ["schema.k", "new"],
        ["policy.base", "p"],
        ["query.k.q", "q"],
      ]),
    );
    expect(changes.map((c) => [c.resource, c.operation])).toEqual([
      ["policy.base", "create"],
      ["policy.old", "delete"],
      ["query.k.q", "create"],
      ["schema.k", "update"],
    ]);
  });

  it("one gate per subtree", () => {
    const gates = computeApprovals(
      [
        change("graph.old", "delete"),
        change("schema.old", "delete"),
        change("query.old.q", "delete"),
        change("schema.other", "delete"),
      ],
      new Set(["graph.old"]),
    );
    expect(gates.map((g) => [g.resource, g.satisfied])).toEqual([
      ["graph.old", true],
      ["schema.other", false],
    ]);
  });
});
