import type { JudgeInput } from "../oracles/Oracle.ts";

type TraceEvent = JudgeInput["events"][number];

/**
 * Whether the call at `ev[i]` put `key` durably at `step`: answered ok, or landed and lost its
 * acknowledgement (an ack-loss storage fault just before it, or a failpoint's "after" error,
 * traced as `ackloss`).
 */
export function putLanded(
  ev: readonly TraceEvent[],
  i: number,
  key: string,
  step: string,
): boolean {
  const e = ev[i];
  if (e?.t !== "call" || e.key !== key || e.step !== step) return false;
  if (e.op === "ackloss") return true;
  if (e.op !== "put") return false;
  if (e.result === "ok") return true;
  const before = ev[i - 1];
  return (
    before?.t === "fault" &&
    before.pid === e.pid &&
    before.kind === "ack-loss" &&
    before.key === key
  );
}
