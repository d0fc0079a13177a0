import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { openTimeRecoveryRaces as F8 } from "../../sim/findings/openTimeRecoveryRaces.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// A schema apply dies in Phase B; two read-write opens then roll its sidecar back at once.
const scenario = parseScenarioText(
  `kind: scripted
name: opens-race-one-roll-back
description: two read-write opens roll back one engine sidecar
fixture:
  graphs: [knowledge]
  rows: 2
liveness: false
steps:
  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: schema_apply.before_staging_write, mode: crash }
  - op: concurrently
    actors:
      - { op: open-rw, graph: knowledge }
      - { op: open-rw, graph: knowledge }
`,
  "opens-race-one-roll-back.yaml",
) as ScriptedScenario;
// At this seed the second restore finds the table version the first one committed.
const SEED = 6;
const TAKEN =
  /open-rw \(actor 1\) command failed with conflict on 'knowledge': table version \d+ already exists for node:Person/;

describe("F8: two opens rolling back one sidecar", () => {
  it("the open whose table restore lost is known F8, not an unexplained failure", async () => {
    const { result } = await runUniverse({ scenario, seed: SEED, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    const hit = result.known.find((k) => k.finding === F8.id);
    expect(hit).toMatchObject({
      oracle: "outcomes-are-explained",
      code: "unexplained_failure",
      step: 2,
    });
    expect(hit?.observed).toMatch(TAKEN);
  });

  it("is red without the signature, and the signature wants the concurrent step", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F8);
    const run = await runUniverse(
      { scenario, seed: SEED, defects: [] },
      { ...jobContext(), findings: others },
    );
    const v = run.result.violations.find((x) => x.code === "unexplained_failure");
    if (v === undefined) throw new Error("no unexplained failure without F8");
    expect(v.observed).toMatch(TAKEN);
    const u = run.universe;
    const input = u.judgeInput();
    expect(F8.matches(v, input)).toBe(true);
    // A boot's open that lost the same race says it inside its quarantine (guided default seed 9).
    const boot = {
      ...v,
      observed:
        "boot (actor 1) quarantine failed with graph_open_failed on 'knowledge': open graph 'knowledge' at /cluster/graphs/knowledge.omni: table version 4 already exists for node:Person",
    };
    expect(F8.matches(boot, input)).toBe(true);
    // The same text at a step with one process (the dead apply) is not this race.
    expect(F8.matches({ ...v, step: 1 }, input)).toBe(false);
  });
});
