import type { TraceEvent } from "../../src/world/trace.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";

/**
 * Whether some step before `before` (all steps, for a verdict about the liveness phase: -1)
 * did what `landed` recognises and was then interrupted, in the same step: a death, a storage
 * fault that changes a call's outcome, or a failpoint that fired. Findings whose trigger is
 * "this write landed, then the operation stopped" share it.
 */
export function interruptedAfter(
  input: JudgeInput,
  before: number,
  landed: (e: TraceEvent) => boolean,
): boolean {
  return input.records.some((r) => {
    if (before >= 0 && r.index >= before) return false;
    const ev = input.events.slice(r.traceFrom, r.traceTo);
    const at = ev.findIndex(landed);
    return (
      at >= 0 &&
      ev
        .slice(at)
        .some(
          (e) =>
            e.t === "death" ||
            (e.t === "fault" && e.kind !== "latency") ||
            (e.t === "fp" && e.action !== "probe"),
        )
    );
  });
}
