import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter, stepEvents } from "./Oracle.ts";

const NAME = "cleanup-failure-is-visible";
const CODES = ["cleanup_failure_silent"] as const;
const report = reporter(NAME, CODES);

/**
 * On the pre-movement path apply deletes the sidecar it armed; if that delete fails the graph
 * stays quarantined, so the failure must surface as `recovery_sidecar_cleanup_failed` rather
 * than vanish (the review finding on #284).
 */
export const cleanupFailureIsVisible: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a failed pre-movement sidecar delete always surfaces recovery_sidecar_cleanup_failed",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.outcome.kind !== "apply") continue;
      const failed = stepEvents(input, r).filter(
        (e) =>
          e.t === "call" &&
          e.step === "cluster.sidecar.delete_unmoved" &&
          e.result.startsWith("error"),
      );
      if (failed.length === 0) continue;
      if (!r.outcome.view.diagnostics.some((d) => d.code === "recovery_sidecar_cleanup_failed")) {
        out.push(
          report(
            "cleanup_failure_silent",
            r.index,
            "a recovery_sidecar_cleanup_failed warning",
            `the delete of ${failed.map((e) => (e.t === "call" ? e.key : "")).join(", ")} failed and nothing was reported`,
          ),
        );
      }
    }
    return out;
  },
};
