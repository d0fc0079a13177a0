import type { TraceEvent } from "../../src/world/trace.ts";
import type { LivenessRecord, StepRecord } from "../universe/records.ts";
import type { Violation } from "../universe/result.ts";

/** What every oracle judges: the executed steps, the liveness phase, and the trace. */
export interface JudgeInput {
  readonly records: readonly StepRecord[];
  readonly liveness: LivenessRecord;
  readonly events: readonly TraceEvent[];
  /** Source texts the operator wrote, by sha256 digest. */
  readonly sourcesByDigest: ReadonlyMap<string, string>;
}

/** An oracle is one file: a name, what it promises, its codes, and a pure judgement. */
export interface Oracle<C extends string = string> {
  readonly name: string;
  readonly description: string;
  /**
   * Every code its violations carry: the oracle's whole vocabulary, a literal union the
   * compiler holds each report to (see `reporter`).
   */
  readonly codes: readonly C[];
  judge(input: JudgeInput): Violation[];
}

/**
 * An oracle's way to report: a violation of `oracle` whose code can only be one of `codes`
 * (a misspelt or undeclared code does not compile).
 */
export function reporter<const C extends string>(oracle: string, _codes: readonly C[]) {
  return (code: C, step: number, expected: string, observed: string): Violation => ({
    oracle,
    code,
    step,
    expected,
    observed,
  });
}

export function stepEvents(input: JudgeInput, r: StepRecord): readonly TraceEvent[] {
  return input.events.slice(r.traceFrom, r.traceTo);
}
