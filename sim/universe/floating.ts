import type { TraceEvent } from "../../src/world/trace.ts";
import type { StepRecord } from "./records.ts";
import type { Violation } from "./result.ts";

/**
 * The harness's check that every store call of a step belongs to the step: none left open
 * when the step's process returned (a durable write nobody awaited, or a call still in
 * flight), none begun after. The world traces each such call as a `float` event the moment it
 * knows (src/world/process.ts, Process.endRun), so this only attributes them: each names the
 * call, its process and the step that spawned that process (concurrent steps have several).
 *
 * Why the world and not a scan for calls after the step's `result` event: with the in-memory
 * store a floating write settles within a few microtask turns, nearly always before its step
 * has unwound to `result`, so such a scan would pass almost every missing `await`. The world
 * instead sees whether the write's promise was ever awaited, which no timing changes.
 */
export function floatingCalls(
  records: readonly StepRecord[],
  events: readonly TraceEvent[],
): Violation[] {
  const stepOf = new Map<number, { readonly index: number; readonly name: string }>();
  for (const r of records)
    for (let i = r.traceFrom; i < r.traceTo; i++) {
      const e = events[i];
      if (e?.t === "spawn") stepOf.set(e.pid, { index: r.index, name: e.name });
    }
  const out: Violation[] = [];
  for (const e of events) {
    if (e.t !== "float") continue;
    const owner = stepOf.get(e.pid);
    const label = owner === undefined ? `p${e.pid}` : `p${e.pid} (${owner.name})`;
    out.push({
      oracle: "harness",
      code: e.why === "never awaited" ? "store_call_not_awaited" : "store_call_after_step_end",
      step: owner?.index ?? -1,
      expected: "every store call of a step awaited and settled before the step ends",
      observed: `${label} ${e.op} ${e.key}${e.step ? ` [${e.step}]` : ""}: ${e.why} (a floating promise: a missing await in the model?)`,
    });
  }
  return out;
}
