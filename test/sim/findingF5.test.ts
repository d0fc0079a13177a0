import { describe, expect, it } from "vitest";
import { commentOnlyDigestDefeatsProof as F5 } from "../../sim/findings/commentOnlyDigestDefeatsProof.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { failuresOf } from "../../sim/oracles/explain/failures.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Shrunk from a guided universe (default seed 40027): after a comment-only edit of archive the
// ledger's digest never equals the live schema's; a dropped type brought back fails before
// anything moves (F12's "Dataset already exists"), and the proof cannot retire its sidecar.
const scenario = (graphs: string) =>
  parseScenarioText(
    `kind: scripted
name: comment-then-rejected-return
description: a rejection after a comment-only edit keeps its sidecar; serve quarantines the graph
fixture:
  graphs: ${graphs}
  provider: true
  stateLock: false
  rows: 3
steps:
  - op: edit-schema
    graph: archive
    change: add-type
  - op: apply
  - op: edit-schema
    graph: archive
    change: comment-only
  - op: apply
  - op: edit-schema
    graph: archive
    change: revert
  - op: apply
  - op: edit-schema
    graph: archive
    change: add-type
`,
    "comment-then-rejected-return.yaml",
  ) as ScriptedScenario;
const PENDING = /cluster_recovery_pending on 'archive'/;

describe("F5 at serve: the kept sidecar quarantines the graph", () => {
  it.each([
    ["with another graph serving, a quarantine", "[knowledge, archive]"],
    ["alone, a refused boot whose per-graph warning is judged as the quarantine", "[archive]"],
  ])("%s", async (_what, graphs) => {
    const s = scenario(graphs);
    const { result } = await runUniverse({ scenario: s, seed: 40027, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    const hits = result.known.filter((k) => k.finding === F5.id);
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(h.observed).toMatch(PENDING);
    const bare = await runUniverse(
      { scenario: s, seed: 40027, defects: [] },
      { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F5) },
    );
    expect(bare.result.violations.map((v) => v.observed)).toContainEqual(
      expect.stringMatching(PENDING),
    );
  });

  it("a refusal at the sidecar layer yields one quarantine failure per pending graph", async () => {
    const { universe: u } = await runUniverse(
      { scenario: scenario("[archive]"), seed: 40027, defects: [] },
      jobContext(),
    );
    const refused = u.records.find(
      (r) => r.outcome.kind === "boot" && r.outcome.view.failureCode === "cluster_not_ready",
    );
    if (refused === undefined) throw new Error("no boot refused at the sidecar layer");
    expect(failuresOf(refused).map((f) => [f.what, f.code, f.graph])).toEqual([
      ["quarantine", "cluster_recovery_pending", "archive"],
      ["boot", "cluster_no_healthy_graphs", null],
    ]);
  });
});
