import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  AMBIGUOUS_STAGING,
  metadataOnlyStagingAmbiguity as F4,
} from "../../sim/findings/metadataOnlyStagingAmbiguity.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario("metadata-only-staging", shippedScenarios());

describe("F4: an interrupted metadata-only schema apply (spec appendix A.4)", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`)).toEqual([
      "F4-metadata-only-staging-ambiguity crash-contract/graph_unopenable",
    ]);
  });

  it("is what keeps that universe green: without the signature the crash contract fails", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F4);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "crash-contract/graph_unopenable@1",
    ]);
  });

  it("matches only the ambiguity, with an interrupted schema apply behind it", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    const v = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 1,
      expected: "'knowledge' opens",
      observed:
        "it no longer opens: found schema staging files but cannot disambiguate pre- vs post-commit crash",
    };
    expect(F4.matches(v, input)).toBe(true);
    expect(F4.matches({ ...v, observed: "it no longer opens: some other reason" }, input)).toBe(
      false,
    );
    expect(F4.matches({ ...v, oracle: "ledger-never-rolls-back" }, input)).toBe(false);
    // No interruption on record: the same symptom is not this finding.
    expect(F4.matches(v, { ...input, events: [] })).toBe(false);
  });

  it("covers a storage fault on the promotion's rename, recorded on the live schema file it targets", async () => {
    // Default seeds 4920 and 14188: the manifest commit landed, then the first rename of the
    // promotion (_schema.pg.staging -> _schema.pg) failed with an I/O error; the crash point
    // armed on the step never fires, so the fault is the only interruption on record.
    const faulted = parseScenarioText(
      `kind: scripted
name: f4-promotion-fault
description: a write error on the promotion of a metadata-only apply
fixture:
  graphs: [knowledge, archive]
liveness: false
steps:
  - op: edit-schema
    graph: knowledge
    change: describe
  - op: apply
    crash: { kind: failpoint, name: cluster.sidecar.delete_completed.before, mode: crash }
    faults: [{ at: 56, kind: write-error }]
`,
      "f4-promotion-fault.yaml",
    ) as ScriptedScenario;
    const { universe: u, result } = await runUniverse(
      { scenario: faulted, seed: 1, defects: [] },
      jobContext(),
    );
    const events = u.world.trace.events;
    const fault = events.findIndex((e) => e.t === "fault");
    expect(events[fault]).toMatchObject({
      kind: "write-error",
      key: "graphs/knowledge.omni/_schema.pg",
    });
    expect(events[fault + 1]).toMatchObject({
      op: "rename",
      step: "engine.schema_apply.promote_staging",
    });
    expect(result.verdict).toBe("pass");
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}@${k.step}`)).toEqual([
      "F4-metadata-only-staging-ambiguity crash-contract/graph_unopenable@1",
    ]);
    const input = {
      records: u.records,
      liveness: u.liveness,
      events,
      sourcesByDigest: u.sourcesByDigest,
    };
    const v = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 1,
      expected: "'knowledge' opens",
      observed: `it no longer opens: ${AMBIGUOUS_STAGING}`,
    };
    expect(F4.matches(v, input)).toBe(true);
    // The same fault on a call outside the window (here: relabelled) is not this finding.
    const relabelled = events.map((e, i) =>
      i === fault + 1 && e.t === "call" ? { ...e, step: "engine.branch.delete" } : e,
    );
    expect(F4.matches(v, { ...input, events: relabelled })).toBe(false);
  });
});
