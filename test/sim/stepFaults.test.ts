import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario, Step } from "../../sim/scenario/schema.ts";
import { asScripted, shrink } from "../../sim/shrink/shrink.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { resolveSwarm } from "../../sim/universe/swarm.ts";

const scenarios = shippedScenarios();
const ctx = jobContext();
const faultCount = (steps: readonly Step[]) =>
  steps.reduce((n, s) => n + (s.faults?.length ?? 0), 0);

describe("storage faults as step data", () => {
  it("a universe with drawn storage weather replays exactly from its recorded steps", async () => {
    let faulted = 0;
    for (const name of ["default", "hostile-storage"]) {
      const scenario = findScenario(name, scenarios);
      for (let seed = 1; seed <= 12; seed++) {
        const drawn = await runUniverse(
          { scenario, seed, defects: [] },
          { ...ctx, keepTrace: true },
        );
        const steps = drawn.result.steps;
        if (faultCount(steps) > 0) faulted++;
        const replay = await runUniverse(
          {
            scenario: asScripted(resolveSwarm(scenario, seed), steps, [], "replay"),
            seed,
            defects: [],
          },
          { ...ctx, keepTrace: true },
        );
        // The same events, but for the drawn universe's notes of its fault plan and swarm, and
        // each step's opening line, which shows a novelty crash as planned (see swarm.test.ts).
        const opening = (l: string) => l.replace(/^(op\s+\S+ \S+) .*$/, "$1");
        const lines = (drawn.trace ?? [])
          .filter((l) => !l.startsWith("note    fault plan:") && !l.startsWith("note    swarm:"))
          .map(opening);
        expect(replay.trace?.map(opening)).toEqual(lines);
        expect(replay.result.steps).toEqual(steps);
        expect(replay.result.verdict).toBe(drawn.result.verdict);
        expect(replay.result.excused ?? 0).toBe(drawn.result.excused ?? 0);
      }
    }
    // Most of these universes had faults to record: the check above is not vacuous.
    expect(faulted).toBeGreaterThan(12);
  });

  it("a pinned fault fires at its call and nowhere else; one past the step's calls never fires", async () => {
    const scenario = parseScenarioText(
      `kind: scripted
name: pinned-faults
description: a status whose third store call fails, and a fault pinned past the last call
steps:
  - op: status
    faults: [{ at: 3, kind: read-error }]
  - op: status
    faults: [{ at: 100000, kind: read-error }]
`,
      "pinned-faults.yaml",
    ) as ScriptedScenario;
    const out = await runUniverse({ scenario, seed: 1, defects: [] }, { ...ctx, keepTrace: true });
    const [first, second] = out.result.steps;
    expect(first?.faults).toEqual([{ at: 3, kind: "read-error" }]);
    expect(second?.faults).toBeUndefined();
    const faults = (out.trace ?? []).filter((l) => l.startsWith("fault"));
    expect(faults).toHaveLength(1);
    expect(out.result.faultPlan).toBe("scripted: 1 fault(s) pinned to steps (read-error)");
    // The fault hit the third call the status made: the call right before it is its second.
    const trace = out.trace ?? [];
    const at = trace.indexOf(faults[0] as string);
    const statusStart = trace.findIndex((l) => l.startsWith("op      status#0"));
    const callsBefore = trace.slice(statusStart, at).filter((l) => l.startsWith("call")).length;
    expect(callsBefore).toBe(2);
  });

  it("shrinking keeps the faults a failure needs and drops the others", async () => {
    const scenario = findScenario("default", scenarios);
    const job = { scenario, seed: 15, defects: ["swallow-state-write-error" as const] };
    const original = await runUniverse(job, ctx);
    const target = original.result.violations[0];
    expect(target?.code).toBe("acknowledged_write_missing");
    if (target === undefined) return;
    const lived = resolveSwarm(scenario, job.seed);
    const initial = asScripted(lived, original.result.steps, job.defects, "shrink");
    expect(faultCount(initial.steps)).toBeGreaterThan(1);
    const r = await shrink(
      initial,
      target,
      async (s) => (await runUniverse({ ...job, scenario: s }, ctx)).result,
    );
    expect(r.after).toBeLessThan(r.before);
    expect(faultCount(r.scenario.steps)).toBeLessThan(faultCount(initial.steps));
    const replay = await runUniverse({ ...job, scenario: r.scenario }, ctx);
    expect(replay.result.violations.some((v) => v.code === target.code)).toBe(true);
  });

  it("refuses faults on concurrent actors and unknown fault kinds", () => {
    const text = (faults: string, where: "step" | "actor") =>
      `kind: scripted
name: bad
description: bad faults
steps:
  - op: concurrently
    actors:
      - op: apply${where === "actor" ? `\n        faults: ${faults}` : ""}
      - op: boot
${where === "step" ? `    faults: ${faults}\n` : ""}`;
    expect(() =>
      parseScenarioText(text("[{ at: 1, kind: read-error }]", "actor"), "a.yaml"),
    ).toThrow(/without their own crash, expect, faults or race/);
    expect(() => parseScenarioText(text("[{ at: 1, kind: bit-rot }]", "step"), "b.yaml")).toThrow(
      /kind/,
    );
    expect(() =>
      parseScenarioText(text("[{ at: 0, kind: read-error }]", "step"), "c.yaml"),
    ).toThrow(/at/);
    expect(parseScenarioText(text("[{ at: 2, kind: ack-loss }]", "step"), "d.yaml").kind).toBe(
      "scripted",
    );
    // A fault whose effect depends on a drawn parameter must carry it.
    expect(() => parseScenarioText(text("[{ at: 2, kind: latency }]", "step"), "e.yaml")).toThrow(
      /need their arg/,
    );
  });
});

describe("hostile damage excuses what it could have caused, and nothing earlier", () => {
  const trap = (faultAtStep: number) =>
    parseScenarioText(
      `kind: scripted
name: lie-after-the-trap
description: the trap's orphaned sidecar, then a store that lies
fixture:
  graphs: [knowledge, archive]
liveness: false
steps:
  - op: edit-schema
    graph: knowledge
    change: add-required
  - op: apply
${faultAtStep === 1 ? "    faults: [{ at: 36, kind: corrupt-read, arg: 0 }]\n" : ""}  - op: status
  - op: status
${faultAtStep === 3 ? "    faults: [{ at: 3, kind: corrupt-read, arg: 0 }]\n" : ""}`,
      "lie.yaml",
    ) as ScriptedScenario;

  it("a verdict about a step before the first lie stands", async () => {
    const out = await runUniverse(
      { scenario: trap(3), seed: 1, defects: ["arm-before-preview"] },
      ctx,
    );
    expect(out.result.steps[3]?.faults).toEqual([{ at: 3, kind: "corrupt-read", arg: 0 }]);
    const orphaned = out.result.violations.filter(
      (v) => v.code === "sidecar_survived_pre_movement_rejection",
    );
    expect(orphaned.map((v) => v.step)).toContain(1);
    expect(out.result.verdict).toBe("fail");
  });

  it("a verdict from the lie's step on is excused", async () => {
    const out = await runUniverse(
      { scenario: trap(1), seed: 1, defects: ["arm-before-preview"] },
      ctx,
    );
    expect(out.result.steps[1]?.faults).toEqual([{ at: 36, kind: "corrupt-read", arg: 0 }]);
    expect(out.result.violations.filter((v) => v.step >= 1)).toEqual([]);
    expect(out.result.excused).toBeGreaterThan(0);
  });
});
