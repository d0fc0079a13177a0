import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  promotionCopyCleanedAsNoop as F25,
  PG_MISMATCH,
  promotionCopyStranded,
} from "../../sim/findings/promotionCopyCleanedAsNoop.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario(
  "promotion-copy-cleaned-as-noop",
  shippedScenarios(),
) as ScriptedScenario;
const others = KNOWN_FINDINGS.filter((f) => f !== F25);
const codes = (vs: readonly { oracle: string; code: string }[]) =>
  new Set(vs.map((v) => `${v.oracle}/${v.code}`));
const BRICKED = `schema evolution is locked down in phase 1: ${PG_MISMATCH}; manual coordination is required`;

/** The scenario with step 1's crash replaced. */
function withCrash(name: string, mode: "crash" | "error" = "crash"): ScriptedScenario {
  const steps = scenario.steps.map((s, i) => {
    if (i !== 1) return s;
    const { expect: _e, ...rest } = s as typeof s & { expect?: unknown };
    return { ...rest, crash: { kind: "failpoint" as const, name, mode, skip: 0 } };
  }) as ScriptedScenario["steps"];
  return { ...scenario, steps };
}

describe("F25: an S3 promotion of _schema.pg stopped between its copy and its delete", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(codes(result.known.filter((k) => k.finding === F25.id))).toEqual(
      new Set(["crash-contract/graph_unopenable", "serve-liveness/graph_never_ready"]),
    );
  });

  it("is red without its signature: archive never opens again", async () => {
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(codes(result.violations)).toEqual(
      new Set(["crash-contract/graph_unopenable", "serve-liveness/graph_never_ready"]),
    );
  });

  it("is upstream's lost acknowledgement of the copy too (default seed 23845's route)", async () => {
    const { result, universe: u } = await runUniverse(
      {
        scenario: withCrash("engine.schema_apply.promote_staging.after", "error"),
        seed: 1,
        defects: [],
      },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(promotionCopyStranded(u.judgeInput(), "archive", Number.POSITIVE_INFINITY)).toBe(true);
  });

  it("needs the stranded copy: a crash before it, or on the object store's one-call rename, is no brick", async () => {
    const before = await runUniverse(
      { scenario: withCrash("engine.schema_apply.promote_staging.before"), seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(before.result.violations).toEqual([]);
    expect(
      promotionCopyStranded(before.universe.judgeInput(), "archive", Number.POSITIVE_INFINITY),
    ).toBe(false);
    const atomic = {
      ...scenario,
      fixture: { ...scenario.fixture, backend: "object-store" as const },
    };
    const objectStore = await runUniverse(
      { scenario: atomic, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(objectStore.result.violations).toEqual([]);
  });

  it("matches only the mismatch refusal of a graph whose copy was stranded before the verdict", async () => {
    const { universe: u } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const input = u.judgeInput();
    const unopenable = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 1,
      expected: "'archive' opens, at its old or its desired schema",
      observed: `it no longer opens: ${BRICKED}`,
    };
    expect(F25.matches(unopenable, input)).toBe(true);
    // Before the apply nothing was stranded.
    expect(F25.matches({ ...unopenable, step: 0 }, input)).toBe(false);
    // Another graph, or another refusal, is not this finding.
    expect(
      F25.matches(
        { ...unopenable, expected: "'knowledge' opens, at its old or its desired schema" },
        input,
      ),
    ).toBe(false);
    const other =
      "it no longer opens: schema evolution is locked down in phase 1: accepted compiled schema does not match the recorded schema state; manual coordination is required";
    expect(F25.matches({ ...unopenable, observed: other }, input)).toBe(false);
    expect(F25.leavesOut?.("archive", input)).toBe(true);
    expect(F25.leavesOut?.("knowledge", input)).toBe(false);
  });
});
