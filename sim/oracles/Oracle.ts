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

/** An oracle is one file: a name, what it promises, and a pure judgement. */
export interface Oracle {
  readonly name: string;
  readonly description: string;
  judge(input: JudgeInput): Violation[];
}

export function violation(
  oracle: string,
  code: string,
  step: number,
  expected: string,
  observed: string,
): Violation {
  return { oracle, code, step, expected, observed };
}

export function stepEvents(input: JudgeInput, r: StepRecord): readonly TraceEvent[] {
  return input.events.slice(r.traceFrom, r.traceTo);
}
