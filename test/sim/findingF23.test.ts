import { describe, expect, it } from "vitest";
import {
  bootstrapStoppedBetween,
  bootstrapContractNotAtomic as F23,
  INCOMPLETE_CONTRACT,
} from "../../sim/findings/bootstrapContractNotAtomic.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { type ScriptedScenario, ScriptedScenarioSchema } from "../../sim/scenario/schema.ts";
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
        "accepted-means-servable/applied_graph_not_served",
        "serve-liveness/graph_never_ready",
      ]),
    );
  });

  it("is upstream's plain write failure too: a failed __schema_state.json write bricks notes the same way", async () => {
    // The first boot: the bootstrap of notes' state is store call 29 of that step (as `faults: at` counts).
    const steps = scenario.steps.map((s, i) => {
      if (i !== 0) return s;
      const { crash: _crash, ...rest } = s as typeof s & { crash?: unknown };
      return { ...rest, faults: [{ at: 29, kind: "write-error" as const }] };
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
    const input = u.judgeInput();
    const end = Number.POSITIVE_INFINITY;
    expect(bootstrapStoppedBetween(input, "notes", end)).toBe(true);
    // archive bootstrapped both files.
    expect(bootstrapStoppedBetween(input, "archive", end)).toBe(false);
    // Before the first boot (step 0) nothing had stopped yet.
    expect(bootstrapStoppedBetween(input, "notes", 0)).toBe(false);

    const unopenable = {
      oracle: "crash-contract",
      code: "graph_unopenable",
      step: 0,
      expected: "'notes' opens, at its old or its desired schema",
      observed: `it no longer opens: ${BRICKED}`,
    };
    const notServed = {
      oracle: "accepted-means-servable",
      code: "applied_graph_not_served",
      step: 2,
      expected: "every graph apply at step 1 recorded ready: archive, notes",
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
      e.op === "ackloss"
        ? [
            e,
            {
              ...e,
              op: "put" as const,
              result: "ok",
              key: "graphs/notes.omni/__schema_state.json",
              step: "engine.recovery.bootstrap_schema_state",
            },
          ]
        : [e],
    );
    const shift = stateLanded.length - input.events.length;
    const records = input.records.map((r) =>
      r.index < 0
        ? r
        : {
            ...r,
            traceFrom: r.traceFrom + (r.index === 0 ? 0 : shift),
            traceTo: r.traceTo + shift,
          },
    );
    const landed = { ...input, events: stateLanded, records };
    expect(bootstrapStoppedBetween(landed, "notes", end)).toBe(false);
    expect(F23.matches(unopenable, landed)).toBe(false);
    expect(F23.matches(notServed, landed)).toBe(false);
  });

  it("is not the failed-init route: the next sweep's read-only open bootstraps that graph while its create is pending", async () => {
    // archive's init fails after its manifest committed and its cleanup cannot delete
    // _schema.pg: the graph is left with a manifest and no contract, and a create sidecar.
    const failedInit = ScriptedScenarioSchema.parse({
      kind: "scripted",
      name: "failed-init-bootstrapped-by-sweep",
      description: "a failed init's contract-less graph, then an apply that sweeps it",
      fixture: { graphs: ["knowledge"] },
      steps: [
        { op: "add-graph", graph: "archive" },
        {
          op: "apply",
          crash: { kind: "failpoint", name: "init.after_coordinator_init", mode: "error" },
          faults: [{ at: 16, kind: "write-error" }],
          expect: { ok: false, codes: ["graph_create_failed"], sidecars: 1 },
        },
        { op: "apply", expect: { ok: true, converged: true, sidecars: 0 } },
      ],
    });
    const run = await runUniverse({ scenario: failedInit, seed: 1, defects: [] }, jobContext());
    expect(run.result.verdict).toBe("pass");
    const sweep = run.universe.records.find((r) => r.index === 2);
    if (sweep === undefined) throw new Error("no record of the sweeping apply");
    const writes = run.universe.world.trace.events
      .slice(sweep.traceFrom, sweep.traceTo)
      .flatMap((e) =>
        e.t === "call" && e.step?.startsWith("engine.recovery.bootstrap_") ? [e.key] : [],
      );
    expect(writes).toEqual([
      "graphs/archive.omni/_schema.ir.json",
      "graphs/archive.omni/__schema_state.json",
    ]);
  });

  const alone = (bootStep: Record<string, unknown>) =>
    ScriptedScenarioSchema.parse({
      kind: "scripted",
      name: "legacy-graph-alone",
      description: "one graph from before the schema contract, first opened by a boot",
      fixture: { graphs: ["knowledge"], legacy: ["schema-contract"] },
      steps: [{ op: "boot", ...bootStep }, { op: "apply" }, { op: "boot" }],
    });
  const known = (r: { known: readonly { finding: string; oracle: string; code: string }[] }) =>
    new Set(r.known.map((k) => `${k.finding} ${k.oracle}/${k.code}`));

  it("is a refused boot when the bricked graph is all the server has (no_graphs_opened)", async () => {
    const lone = alone({
      crash: {
        kind: "failpoint",
        name: "engine.recovery.bootstrap_schema_ir.after",
        mode: "error",
      },
    });
    const { result } = await runUniverse({ scenario: lone, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(known(result)).toEqual(
      new Set([
        "F23-bootstrap-contract-not-atomic crash-contract/graph_unopenable",
        "F23-bootstrap-contract-not-atomic accepted-means-servable/accepted_config_refused",
        "F23-bootstrap-contract-not-atomic serve-liveness/boot_never_succeeds",
      ]),
    );
    const others = KNOWN_FINDINGS.filter((f) => f !== F23);
    const bare = await runUniverse(
      { scenario: lone, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(new Set(bare.result.violations.map((v) => `${v.oracle}/${v.code}`))).toEqual(
      new Set([
        "crash-contract/graph_unopenable",
        "accepted-means-servable/accepted_config_refused",
        "serve-liveness/boot_never_succeeds",
      ]),
    );
  });

  it("counts an IR write that landed and lost its acknowledgement (ack-loss) as landed", async () => {
    // The boot's IR write of knowledge is store call 15 of that step (as `faults: at` counts).
    const lone = alone({ faults: [{ at: 15, kind: "ack-loss" }] });
    const run = await runUniverse({ scenario: lone, seed: 1, defects: [] }, jobContext());
    const faulted = run.universe.world.trace.events.find((e) => e.t === "fault");
    expect(faulted).toMatchObject({
      kind: "ack-loss",
      key: "graphs/knowledge.omni/_schema.ir.json",
    });
    expect(run.result.violations).toEqual([]);
    expect(known(run.result)).toContain(
      "F23-bootstrap-contract-not-atomic serve-liveness/boot_never_succeeds",
    );
  });
});
