import type { KnownFinding } from "./KnownFinding.ts";

/**
 * A schema apply that stops after writing all its staging files but before the manifest moves
 * is "unmoved" to the cluster: the pre-movement proof (or the sweep's read-only observation)
 * sees the old schema and retires the sidecar. The engine, however, completes that apply at
 * the graph's next read-write open (a server boot, an apply), so the graph changes schema with
 * no intent record left. When the operator has meanwhile reverted the config, apply finds
 * nothing to do and reports convergence on a ledger that records a schema the graph no
 * longer has, until a `cluster refresh`.
 */
export const lateEngineCompletion: KnownFinding = {
  id: "F3-late-engine-completion",
  title: "the engine completes an interrupted schema apply after the cluster retired its sidecar",
  detail:
    "spec §4.8 and appendix A.3 @7fd23c54 (recover_schema_state_files completes staged applies); upstream main later made read-only opens refuse torn schema-apply state (spec §10.1)",
  matches(v, input) {
    if (v.oracle !== "ledger-converges-to-reality" || v.code !== "recorded_schema_differs")
      return false;
    const g = /^'([^']+)'/.exec(v.expected)?.[1];
    if (g === undefined) return false;
    return input.records.some(
      (r) =>
        r.index < v.step &&
        r.post.graphs[g]?.staging === true &&
        !r.post.sidecars.some((s) => s.graphId === g),
    );
  },
};
