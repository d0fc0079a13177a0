import { describe, expect, it } from "vitest";
import {
  bootstrapStoppedBetween,
  bootstrapContractNotAtomic as F23,
  INCOMPLETE_CONTRACT,
} from "../../sim/findings/bootstrapContractNotAtomic.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario(
  "bootstrap-contract-not-atomic",
  shippedScenarios(),
) as ScriptedScenario;

const BRICKED = `schema evolution is locked down in phase 1: ${INCOMPLETE_CONTRACT}; manual coordination is required`;

describe("F23: an open-time contract bootstrap stopped between its two writes", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    expect(new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`))).toEqual(
      new Set([
        "F23-bootstrap-contract-not-atomic crash-contract/graph_unopenable",
        "F23-bootstrap-contract-not-atomic accepted-means-servable/applied_graph_not_served",
        "F23-bootstrap-contract-not-atomic serve-liveness/graph_never_ready",
      ]),
    );
  });

  it("is what keeps that universe green: without the signature notes never opens again", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F23);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(new Set(result.violations.map((v) => `${v.oracle}/${v.code}`))).toEqual(
      new Set([
        "crash-contract/graph_unopenable",
        "accepted-means-servable/applied_graph_not_served",
        "serve-liveness/graph_never_ready",
      ]),
    );
  });

  it("is upstream's plain write failure too: a failed __schema_state.json write bricks notes the same way", async () => {
    // The insert into notes: the bootstrap's state write is its 12th store call.
    const steps = scenario.steps.map((s, i) => {
      if (i !== 6) return s;
      const { crash: _crash, ...rest } = s as typeof s & { crash?: unknown };
      return { ...rest, faults: [{ at: 12, kind: "write-error" as const }] };
    });
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`))).toEqual(
      new Set([
        "F23-bootstrap-contract-not-atomic accepted-means-servable/applied_graph_not_served",
        "F23-bootstrap-contract-not-atomic serve-liveness/graph_never_ready",
      ]),
    );
  });

  it("matches only a graph whose bootstrap wrote the IR and not the state", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = {
      records: u.records,
      liveness: u.liveness,
      events: u.world.trace.events,
      sourcesByDigest: u.sourcesByDigest,
    };
    const end = Number.POSITIVE_INFINITY;
    expect(bootstrapStoppedBetween(input, "notes", end)).toBe(true);
    // archive bootstrapped both files; knowledge never bootstrapped.
    expect(bootstrapStoppedBetween(input, "archive", end)).toBe(false);
    expect(bootstrapStoppedBetween(input, "knowledge", end)).toBe(false);
    // Before the insert into notes (step 6) nothing had stopped yet.
    expect(bootstrapStoppedBetween(input, "notes", 6)).toBe(false);

    const unopenable = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 6,
      expected: "'notes' opens, at its old or its desired schema",
      observed: `it no longer opens: ${BRICKED}`,
    };
    const notServed = {
      oracle: "accepted-means-servable",
      code: "applied_graph_not_served",
      step: 9,
      expected: "every graph apply at step 8 recorded ready: archive, knowledge, notes",
      observed: `notes: graph_open_failed: open graph 'notes' at /cluster/graphs/notes.omni: ${BRICKED}`,
    };
    expect(F23.matches(unopenable, input)).toBe(true);
    expect(F23.matches(notServed, input)).toBe(true);
    // Another reason to be unopenable is not this finding.
    const other =
      "it no longer opens: schema evolution is locked down in phase 1: accepted compiled schema does not match the recorded schema state; manual coordination is required";
    expect(F23.matches({ ...unopenable, observed: other }, input)).toBe(false);
    // Nor is the same refusal of a graph whose bootstrap completed (its state write landed).
    const stateLanded = input.events.flatMap((e) =>
      e.t === "call" &&
      e.step === "engine.recovery.bootstrap_schema_ir" &&
      e.key === "graphs/notes.omni/_schema.ir.json" &&
      e.op === "put"
        ? [
            e,
            {
              ...e,
              key: "graphs/notes.omni/__schema_state.json",
              step: "engine.recovery.bootstrap_schema_state",
            },
          ]
        : [e],
    );
    const shift = stateLanded.length - input.events.length;
    const records = input.records.map((r) =>
      r.index < 6
        ? r
        : {
            ...r,
            traceFrom: r.traceFrom + (r.index === 6 ? 0 : shift),
            traceTo: r.traceTo + shift,
          },
    );
    const landed = { ...input, events: stateLanded, records };
    expect(bootstrapStoppedBetween(landed, "notes", end)).toBe(false);
    expect(F23.matches(unopenable, landed)).toBe(false);
    expect(F23.matches(notServed, landed)).toBe(false);
  });
});
