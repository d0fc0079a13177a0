import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Shrunk from a guided universe (default seed 2): a schema apply's table write errors, and with
// the lock off a concurrent apply and a branch create race its sidecar's roll-back, leaving
// archive's Person table one version past the manifest's pin.
const scenario = parseScenarioText(
  `kind: scripted
name: stale-view-retry
description: a stale view the liveness phase meets after fixing a blocking branch
fixture:
  graphs: [knowledge, archive]
  provider: true
  stateLock: false
  rows: 3
steps:
  - op: edit-schema
    graph: archive
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: engine.schema_apply.table_write.after, mode: error }
  - op: concurrently
    actors:
      - op: apply
      - { op: branch-create, graph: archive, branch: review }
`,
  "stale-view-retry.yaml",
) as ScriptedScenario;

describe("the liveness phase follows the engine's advice on a stale view", () => {
  it("retries an apply refused with 'refresh and retry': the next open rolls the failed apply's sidecar back and re-pins the table", async () => {
    const { universe: u, result } = await runUniverse(
      { scenario, seed: 2, defects: [] },
      jobContext(),
    );
    const applies = u.records.filter((r) => r.phase === "liveness" && r.outcome.kind === "apply");
    const staleAt = applies.findIndex(
      (r) =>
        r.outcome.kind === "apply" &&
        r.outcome.view.diagnostics.some((d) =>
          /stale view of .* refresh and retry/.test(d.message),
        ),
    );
    // The convergence phase met the stale view after deleting the blocking branch...
    expect(staleAt).toBeGreaterThanOrEqual(0);
    // ...and an apply after it converged, so the universe is green.
    const last = applies.at(-1);
    expect(last?.outcome.kind === "apply" && last.outcome.view.converged).toBe(true);
    expect(applies.length).toBeGreaterThan(staleAt + 1);
    expect(u.liveness.converged).toBe(true);
    expect(result.violations).toEqual([]);
  });
});

// Shrunk from default seed 39404 (local-fs): archive's approved delete fails partway (a write
// error), and knowledge's config asks for a change the engine refuses; every later apply
// skips the delete after knowledge's failure, so archive stays recorded and unservable.
const skipped = parseScenarioText(
  `kind: scripted
name: delete-skipped-behind-refusal
description: an approved delete skipped behind another graph's refused change
fixture:
  graphs: [knowledge, archive]
  provider: true
  rows: 3
  backend: local-fs
steps:
  - op: remove-graph
    graph: archive
  - op: edit-schema
    graph: knowledge
    change: comment-only
  - op: approve
    resource: graph.archive
  - op: apply
    faults:
      - { at: 69, kind: write-error }
  - op: edit-schema
    graph: knowledge
    change: add-required
`,
  "delete-skipped-behind-refusal.yaml",
) as ScriptedScenario;

describe("the liveness phase fixes the config a skipped delete waits on", () => {
  it("puts back the refused change during the serving rounds, so the delete runs and the server serves what is left", async () => {
    const { universe: u, result } = await runUniverse(
      { scenario: skipped, seed: 39404, defects: [] },
      jobContext(),
    );
    const skippedDelete = u.records.some(
      (r) =>
        r.phase === "liveness" &&
        r.outcome.kind === "apply" &&
        r.outcome.view.diagnostics.some((d) => d.code === "graph_delete_skipped"),
    );
    expect(skippedDelete).toBe(true);
    expect(result.violations).toEqual([]);
    expect(u.liveness.bootOk).toBe(true);
    expect(u.liveness.expectedReady).not.toContain("archive");
  });
});
