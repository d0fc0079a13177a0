import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Shrunk from default seeds 5385, 10724 and 22928: an approved graph delete stops half way
// (on S3 a prefix delete is object by object), the ledger keeps the graph, and a later config
// edit moves the config digest the approval is bound to. Every apply then warns
// `approval_stale` ("re-run `cluster approve`") and the half-deleted graph is quarantined on
// every boot until the operator does.
const scenario = parseScenarioText(
  `kind: scripted
name: stale-approval-partial-delete
description: a half-done approved delete whose approval a later config edit made stale
fixture:
  graphs: [knowledge, archive]
  backend: s3
steps:
  - op: remove-graph
    graph: archive
  - op: approve
    resource: graph.archive
  - op: apply
    crash: { kind: failpoint, name: cluster.graph.delete_root.after, mode: error }
    expect: { ok: false, codes: [graph_delete_failed] }
  - op: edit-schema
    graph: knowledge
    change: add-type
`,
  "stale-approval-partial-delete.yaml",
) as ScriptedScenario;

describe("the liveness phase re-approves a delete whose approval went stale", () => {
  it("follows approval_stale's advice, so the half-deleted graph's delete completes", async () => {
    const { universe: u, result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      jobContext(),
    );
    const live = u.records.filter((r) => r.phase === "liveness");
    const firstApply = live.find((r) => r.outcome.kind === "apply");
    expect(
      firstApply?.outcome.kind === "apply" &&
        firstApply.outcome.view.diagnostics.some(
          (d) => d.code === "approval_stale" && d.path === "graph.archive",
        ),
    ).toBe(true);
    expect(live.some((r) => r.step.op === "approve")).toBe(true);
    expect(u.liveness.expectedReady).toEqual(["knowledge"]);
    expect(u.liveness.converged).toBe(true);
    expect(result.violations).toEqual([]);
  });
});
