import type { DefectName } from "../../src/world/defects.ts";
import type { Crash, Scenario, ScriptedScenario, Step } from "../scenario/schema.ts";
import type { UniverseResult, Violation } from "../universe/result.ts";

/** Runs a scripted scenario (same seed, same defects) and returns its result. */
export type RunScripted = (scenario: ScriptedScenario) => Promise<UniverseResult>;

export interface ShrinkOutcome {
  readonly scenario: ScriptedScenario;
  readonly before: number;
  readonly after: number;
  readonly runs: number;
  readonly target: Pick<Violation, "oracle" | "code">;
}

/** The failure a shrink must keep: the same oracle and code. */
export function sameFailure(
  r: UniverseResult,
  target: Pick<Violation, "oracle" | "code">,
): boolean {
  return r.violations.some((v) => v.oracle === target.oracle && v.code === target.code);
}

/** A scripted scenario that replays exactly the steps a universe executed. */
export function asScripted(
  base: Scenario,
  steps: readonly Step[],
  defects: readonly DefectName[],
  note: string,
): ScriptedScenario {
  return {
    kind: "scripted",
    name: `${base.name}-shrunk`,
    description: note,
    fixture: base.fixture,
    serve: base.serve,
    defects: [...defects].sort(),
    steps: steps.map((s) => stripExpect(s)),
    liveness: base.liveness,
  };
}

function stripExpect(s: Step): Step {
  const { expect: _expect, ...rest } = s;
  return rest as Step;
}

/** Smaller variants of one step: its crash plan and its pinned faults, most aggressive first. */
function stepVariants(s: Step): Step[] {
  return [...crashVariants(s), ...faultVariants(s)];
}

/** The step without its faults, then (if it has several) without each one in turn. */
function faultVariants(s: Step): Step[] {
  if (s.faults === undefined) return [];
  const { faults, ...bare } = s;
  const out: Step[] = [bare as Step];
  if (faults.length > 1)
    for (let i = 0; i < faults.length; i++)
      out.push({ ...s, faults: faults.filter((_, j) => j !== i) } as Step);
  return out;
}

/** Smaller variants of one step's crash plan, most aggressive first. */
function crashVariants(s: Step): Step[] {
  if (s.crash === undefined) return [];
  const out: Step[] = [];
  const { crash, ...bare } = s;
  out.push(bare as Step);
  const list: Crash[] = Array.isArray(crash) ? crash : [crash];
  if (list.length > 1) for (const c of list) out.push({ ...s, crash: c } as Step);
  for (const [i, c] of list.entries()) {
    if (c.kind === "failpoint" && c.skip > 0) {
      const next = list.map((x, j) => (j === i ? { ...c, skip: 0 } : x));
      out.push({ ...s, crash: next.length === 1 ? next[0] : next } as Step);
    }
    if (c.kind === "kill-at-write" && c.k > 1) {
      const next = list.map((x, j) =>
        j === i ? { ...c, k: Math.max(1, Math.floor(c.k / 2)) } : x,
      );
      out.push({ ...s, crash: next.length === 1 ? next[0] : next } as Step);
    }
  }
  return out;
}

/**
 * Delta debugging (Zeller's ddmin) over the step list, then a pass that simplifies each
 * remaining step's crash plan and drops the storage faults pinned to it that the failure
 * does not need. Every candidate is a real run of the model with the same seed,
 * so the result replays the failure exactly.
 */
export async function shrink(
  initial: ScriptedScenario,
  target: Pick<Violation, "oracle" | "code">,
  run: RunScripted,
  budget = 400,
): Promise<ShrinkOutcome> {
  let runs = 0;
  const fails = async (steps: readonly Step[]): Promise<boolean> => {
    if (steps.length === 0 || runs >= budget) return false;
    runs++;
    return sameFailure(await run({ ...initial, steps: [...steps] }), target);
  };
  let steps: Step[] = [...initial.steps];
  let n = 2;
  while (steps.length >= 2 && runs < budget) {
    const size = Math.ceil(steps.length / n);
    let reduced = false;
    for (let i = 0; i < n && !reduced; i++) {
      const complement = [...steps.slice(0, i * size), ...steps.slice((i + 1) * size)];
      if (complement.length > 0 && (await fails(complement))) {
        steps = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
      }
    }
    if (!reduced) {
      if (n >= steps.length) break;
      n = Math.min(n * 2, steps.length);
    }
  }
  for (let i = 0; i < steps.length && runs < budget; i++) {
    for (const variant of stepVariants(steps[i] as Step)) {
      const candidate = steps.map((s, j) => (j === i ? variant : s));
      if (await fails(candidate)) {
        steps = candidate;
        i--;
        break;
      }
    }
  }
  return {
    scenario: { ...initial, steps },
    before: initial.steps.length,
    after: steps.length,
    runs,
    target,
  };
}
