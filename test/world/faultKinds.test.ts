import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { ScriptedScenarioSchema } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import type { SimClock } from "../../src/world/clock.ts";
import {
  FAULT_KIND_NAMES,
  FAULT_KINDS,
  FAULTS_WITH_ARG,
  HONEST_FAULTS,
  HOSTILE_FAULTS,
} from "../../src/world/faultKinds.ts";

/**
 * Two edits and applies (reads, lists and writes; the second apply reads what the first
 * wrote, which a stale answer needs), the second with one fault pinned at its `at`-th call.
 */
function pinned(kind: (typeof FAULT_KIND_NAMES)[number], at: number, arg: number) {
  const takes = FAULT_KINDS[kind].arg !== null;
  return ScriptedScenarioSchema.parse({
    kind: "scripted",
    name: "fault-kind",
    description: "one pinned fault",
    steps: [
      { op: "edit-schema", graph: "knowledge", change: "add-optional" },
      { op: "apply" },
      { op: "edit-schema", graph: "knowledge", change: "add-type" },
      { op: "apply", faults: [{ at, kind, ...(takes ? { arg } : {}) }] },
    ],
    liveness: false,
  });
}

describe("the fault-kind table (src/world/faultKinds.ts)", () => {
  it("keeps the weather's draw order: honest kinds, then hostile ones", () => {
    expect([...HONEST_FAULTS, ...HOSTILE_FAULTS]).toEqual(FAULT_KIND_NAMES);
    expect(HONEST_FAULTS).toEqual(["write-error", "read-error", "ack-loss", "latency"]);
  });

  it("is what the fault layer does: every kind, pinned to a call it can hit, fires as itself", async () => {
    const ctx = jobContext();
    const clock = (o: Awaited<ReturnType<typeof runUniverse>>) =>
      (o.universe.world.clock as SimClock).peek();
    const quiet = clock(
      await runUniverse({ scenario: pinned("write-error", 999, 0), seed: 1, defects: [] }, ctx),
    );
    for (const kind of FAULT_KIND_NAMES) {
      let fired = false;
      const spec = FAULT_KINDS[kind].arg;
      const args = spec === null ? [0] : [spec.min, spec.min + 1, spec.max];
      for (let at = 1; at <= 40 && !fired; at++)
        for (const arg of args) {
          if (fired) break;
          const o = await runUniverse(
            { scenario: pinned(kind, at, arg), seed: 1, defects: [] },
            { ...ctx, keepTrace: true },
          );
          // Latency leaves no fault event: it shows as time the step took.
          fired =
            kind === "latency"
              ? clock(o) > quiet
              : (o.trace ?? []).some((l) => /^fault\s/.test(l) && l.includes(` ${kind} `));
        }
      expect(fired, kind).toBe(true);
    }
  }, 60_000);

  it("requires a pinned fault's parameter exactly for the kinds that draw one", () => {
    for (const kind of FAULT_KIND_NAMES) {
      const step = { op: "apply", faults: [{ at: 1, kind }] };
      const r = ScriptedScenarioSchema.safeParse({
        kind: "scripted",
        name: "x",
        description: "x",
        steps: [step],
      });
      expect(r.success, kind).toBe(!FAULTS_WITH_ARG.has(kind));
    }
  });
});
