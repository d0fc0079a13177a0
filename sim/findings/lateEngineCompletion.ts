import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { keptByRejection } from "./keptByRejection.ts";

export const lateEngineCompletion: KnownFinding = {
  id: "F3-late-engine-completion",
  title: "the engine completes an interrupted schema apply after the cluster retired its sidecar",
  summary:
    "A schema apply that stops after writing all its staging files but before the manifest moves is \"unmoved\" to the cluster: the pre-movement proof (or the sweep's read-only observation) sees the old schema and retires the sidecar. The engine, however, completes that apply at the graph's next read-write open (a server boot, an apply), so the graph changes schema with no intent record left. When the operator has meanwhile reverted the config, apply finds nothing to do and reports convergence on a ledger that records a schema the graph no longer has, until a `cluster refresh`.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_schema_apply_sidecar",
      role: "opens the graph read-only, finds the live schema equal to the recorded digest, and retires the cluster sidecar as stale intent",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "live_schema_matches_recorded_digest",
      role: "the pre-movement proof after a failed engine call: the same read-only comparison, and the same retirement",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "at the next read-write open, sees the engine's own SchemaApply sidecar and completes the staged apply",
    },
  ],
  spec: ["§4.8", "appendix A.3"],
  scenario: "late-engine-completion",
  laterUpstream: {
    commit: "d7bbbba3",
    date: "2026-07-12",
    change:
      '"Implement exact SchemaApply v7 recovery" (#348) made read-only opens refuse torn schema-apply state (ensure_read_only_schema_coherent in crates/omnigraph/src/db/manifest/recovery.rs; spec §10.1), but only a live schema that disagrees with the manifest outcome: in F3\'s window (staging written, manifest unmoved) the live schema is still the old one and the read-only open proceeds, so the guard does not close F3; not replayed against this model',
  },
  matches(v, input) {
    // The ledger records a schema the graph no longer has: seen at the end as a ledger that
    // converged on the wrong schema, or earlier as a rejected change whose sidecar the
    // pre-movement proof keeps (it compares the live schema with that stale record), and then
    // as the quarantine that kept sidecar causes at every boot.
    let g: string | undefined;
    let before = v.step < 0 ? Number.POSITIVE_INFINITY : v.step;
    if (v.oracle === "ledger-converges-to-reality" && v.code === "recorded_schema_differs")
      g = /^'([^']+)'/.exec(v.expected)?.[1];
    else if (
      v.oracle === "sidecar-orphaned-by-rejection" &&
      v.code === "sidecar_survived_pre_movement_rejection"
    ) {
      g = /for '([^']+)'/.exec(v.expected)?.[1];
      if (g === undefined || !recordStale(input.records[v.step], g)) return false;
    } else if (v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure") {
      const m = QUARANTINED.exec(v.observed);
      if (m === null) return false;
      g = m[1];
      const writer = keptByStaleRejection(input, g as string, `${RECOVERIES}/${m[2]}.json`, v.step);
      if (writer === null) return false;
      before = writer;
    }
    if (g === undefined) return false;
    return completedUnrecorded(input, g, before);
  },
};

/** A quarantine at boot for a pending sidecar: the graph and the operation the sidecar names. */
const QUARANTINED =
  /^boot quarantine failed with cluster_recovery_pending on '([^']+)': .*interrupted operation `([^`]+)` awaits recovery/;
const RECOVERIES = "__cluster/recoveries";

/** Before `r`, the ledger recorded a schema of `g` other than its live one. */
function recordStale(r: StepRecord | undefined, g: string): boolean {
  const recorded = r?.pre.ledger?.resources[`schema.${g}`]?.digest;
  return r !== undefined && recorded !== r.pre.graphs[g]?.schemaDigest;
}

/**
 * The step (before `until`) that wrote the sidecar at `key` and kept it: an apply whose schema
 * change of `g` the engine rejected with the graph unmoved, while the ledger recorded a schema
 * other than the live one, so the pre-movement proof could not call the graph unmoved (spec
 * §4.9). null when the sidecar came about any other way.
 */
function keptByStaleRejection(
  input: JudgeInput,
  g: string,
  key: string,
  until: number,
): number | null {
  return keptByRejection(input, g, key, until, (w) => recordStale(w, g))?.index ?? null;
}

/**
 * Before `before`, the engine completed a schema apply of `g` whose staging the cluster had
 * left without a sidecar of its own, or did so in the very step whose sweep retired it: the
 * live schema moved out of staging while the ledger kept the old digest.
 */
function completedUnrecorded(input: JudgeInput, graph: string, before: number): boolean {
  return input.records.some((r) => {
    if (r.index >= before) return false;
    const a = r.pre.graphs[graph];
    const b = r.post.graphs[graph];
    const leftBehind = b?.staging === true && !r.post.sidecars.some((s) => s.graphId === graph);
    const completedUnrecorded =
      a?.staging === true &&
      b !== undefined &&
      b.schemaDigest !== a.schemaDigest &&
      r.post.ledger?.resources[`schema.${graph}`]?.digest !== b.schemaDigest;
    return leftBehind || completedUnrecorded;
  });
}
