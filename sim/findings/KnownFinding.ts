import type { JudgeInput } from "../oracles/Oracle.ts";
import type { Violation } from "../universe/result.ts";

/**
 * A defect of upstream Omnigraph (at the reference commit) that the faithful model
 * reproduces and an oracle catches. Each is a precise signature, not a blanket waiver: it
 * must name the oracle and code, and recognise the trigger in the universe's history, so a
 * new bug with the same symptom is still reported as a failure.
 */
export interface KnownFinding {
  readonly id: string;
  readonly title: string;
  /** Where upstream's behaviour comes from, and what it costs a user. */
  readonly detail: string;
  matches(v: Violation, input: JudgeInput): boolean;
}
