import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { partialStagingPromotion as F1 } from "../../sim/findings/partialStagingPromotion.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// F1's brick on the only graph, then a revert that a later apply accepts and converges on
// without opening the graph: the server opens no graph and refuses to boot (default seed 6387).
const scenario = parseScenarioText(
  `kind: scripted
name: f1-only-graph-bricked
description: a partial staging promotion bricks the only graph; an accepted revert cannot be served
steps:
  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: engine.schema_apply.staging_write_pg.after, mode: crash }
  - op: force-unlock
  - op: apply
  - op: edit-schema
    graph: knowledge
    change: revert
  - op: apply
  - op: boot
`,
  "f1-only-graph-bricked.yaml",
) as ScriptedScenario;

describe("F1: a partial staging promotion, seen as a refused boot", () => {
  it("covers accepted-means-servable's accepted_config_refused when every graph the server could not open is bricked", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    // The boot of step 6, and the liveness remedy's boots after it.
    const hits = result.known.filter((k) => k.oracle === "accepted-means-servable");
    expect(hits.map((k) => k.step)).toContain(6);
    expect(new Set(hits.map((k) => `${k.finding} ${k.code}`))).toEqual(
      new Set(["F1-partial-staging-promotion accepted_config_refused"]),
    );
    const without = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F1) },
    );
    expect(without.result.violations.map((v) => `${v.oracle}/${v.code}`)).toContain(
      "accepted-means-servable/accepted_config_refused",
    );
  });

  it("matches only a refusal made of bricked graph opens", async () => {
    const { universe: u } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const input = u.judgeInput();
    const bricked =
      "[graph_open_failed] graph.knowledge: open graph 'knowledge' at /cluster/graphs/knowledge.omni: schema evolution is locked down in phase 1: current _schema.pg no longer matches the accepted compiled schema; manual coordination is required";
    const v = {
      oracle: "accepted-means-servable",
      code: "accepted_config_refused",
      step: 6,
      expected: "a booting server",
      observed: `boot failed with no_graphs_opened: ${bricked}`,
    };
    expect(F1.matches(v, input)).toBe(true);
    // Another graph that failed for another reason, or another refusal: not this finding.
    const other = "[graph_open_failed] graph.archive: open graph 'archive': disk on fire";
    expect(F1.matches({ ...v, observed: `${v.observed}; ${other}` }, input)).toBe(false);
    expect(
      F1.matches({ ...v, observed: `boot failed with server_policy_invalid: ${bricked}` }, input),
    ).toBe(false);
    // No interrupted staging on record: the same symptom is not this finding.
    expect(F1.matches(v, { ...input, events: [] })).toBe(false);
  });
});
