import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";

/**
 * The apply (before `until`) that armed the sidecar at `key` and kept it after the engine
 * rejected its schema change of `g` with the graph unmoved (main version and live schema as
 * before the step), when `why` holds of that step: the reason the pre-movement proof could not
 * retire it. Null when the sidecar came about any other way.
 */
export function keptByRejection(
  input: JudgeInput,
  g: string,
  key: string,
  until: number,
  why: (armedBy: StepRecord) => boolean,
): StepRecord | null {
  const w = input.records.findLast(
    (r) =>
      r.index < until &&
      r.post.sidecars.some((s) => s.key === key && s.graphId === g) &&
      !r.pre.sidecars.some((s) => s.key === key),
  );
  if (w === undefined || w.outcome.kind !== "apply") return null;
  const rejected = w.outcome.view.diagnostics.some(
    (d) => d.code === "schema_apply_failed" && d.path === `schema.${g}`,
  );
  const a = w.pre.graphs[g];
  const b = w.post.graphs[g];
  const unmoved =
    a !== undefined &&
    b !== undefined &&
    a.mainVersion === b.mainVersion &&
    a.schemaDigest === b.schemaDigest;
  return rejected && unmoved && why(w) ? w : null;
}
