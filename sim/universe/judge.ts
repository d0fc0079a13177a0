import type { TraceEvent } from "../../src/world/trace.ts";
import type { KnownFinding } from "../findings/KnownFinding.ts";
import { jointlyLeftOut } from "../findings/leftOut.ts";
import type { JudgeInput, Oracle } from "../oracles/Oracle.ts";
import type { KnownHit, Violation } from "./result.ts";

/** What judging one universe's records and trace comes to. */
export interface Judgement {
  readonly violations: readonly Violation[];
  readonly known: readonly KnownHit[];
  /** Verdicts dropped because the store had lied by then. */
  readonly excused: number;
  /** A verdict event per violation and known hit, in judging order, for the trace. */
  readonly verdicts: readonly Extract<TraceEvent, { t: "verdict" }>[];
  /** Set when an oracle or a finding's signature threw: a harness error, never a pass. */
  readonly error?: string;
}

/**
 * Every oracle over the universe, in order. A violation at or after `firstLie` (the first step
 * a hostile storage fault hit; one about the whole run, step -1, too) is excused: a store that
 * lied may make any storage-trusting oracle fire from then on, while a verdict about an
 * earlier step stands. A violation a known upstream finding's signature matches is a known
 * hit, not a failure. Pure: the caller records the verdict events.
 */
export function judge(
  input: JudgeInput,
  oracles: readonly Oracle[],
  findings: readonly KnownFinding[],
  firstLie: number = Number.POSITIVE_INFINITY,
): Judgement {
  const violations: Violation[] = [];
  const known: KnownHit[] = [];
  const verdicts: Array<Extract<TraceEvent, { t: "verdict" }>> = [];
  let excused = 0;
  const lied = (v: Violation) =>
    firstLie !== Number.POSITIVE_INFINITY && (v.step < 0 || v.step >= firstLie);
  let judging = "";
  try {
    for (const o of oracles) {
      judging = o.name;
      for (const v of o.judge(input)) {
        if (lied(v)) {
          excused++;
          continue;
        }
        const f = findings.find((k) => k.matches(v, input));
        // A verdict about several graphs may be several findings' together, one per graph.
        const by = f !== undefined ? [f] : jointlyLeftOut(v, input, findings);
        if (by !== null) {
          for (const k of by)
            known.push({
              finding: k.id,
              oracle: v.oracle,
              code: v.code,
              step: v.step,
              expected: v.expected,
              observed: v.observed,
            });
          verdicts.push(verdictEvent(v, ` (known: ${by.map((k) => k.id).join(" + ")})`));
          continue;
        }
        violations.push(v);
        verdicts.push(verdictEvent(v, ""));
      }
    }
  } catch (e) {
    const error = `oracle ${judging} threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    return { violations, known, excused, verdicts, error };
  }
  return { violations, known, excused, verdicts };
}

export function verdictEvent(v: Violation, suffix: string): Extract<TraceEvent, { t: "verdict" }> {
  return { t: "verdict", oracle: v.oracle, code: `${v.code}${suffix}`, detail: `step ${v.step}` };
}
