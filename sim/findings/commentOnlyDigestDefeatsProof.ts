import type { JudgeInput } from "../oracles/Oracle.ts";
import { sameSchema } from "../universe/modelSystem.ts";
import type { StepRecord } from "../universe/records.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { keptByRejection } from "./keptByRejection.ts";

/**
 * Before `r`, the ledger recorded for `g` a digest other than the live schema's, for a source
 * that compiles to the very schema that is live: the comment-only divergence, and nothing else
 * (a ledger lagging a real schema change is another story).
 */
function commentDivergence(input: JudgeInput, r: StepRecord, g: string): boolean {
  const recorded = r.pre.ledger?.resources[`schema.${g}`]?.digest;
  const live = r.pre.graphs[g];
  if (typeof recorded !== "string" || live?.schemaText == null) return false;
  if (recorded === live.schemaDigest) return false;
  const recordedText = input.sourcesByDigest.get(recorded);
  return recordedText !== undefined && sameSchema(recordedText, live.schemaText);
}

/**
 * The sidecar `key` was kept by an apply whose schema apply of `g` the engine rejected with the
 * graph unmoved (it may have left its own sidecar, which is why sidecar-orphaned-by-rejection
 * does not judge it), under the comment-only divergence: the proof could not retire it.
 */
function keptAfterComment(input: JudgeInput, key: string, g: string, before: number): boolean {
  return keptByRejection(input, g, key, before, (w) => commentDivergence(input, w, g)) !== null;
}

const PENDING_QUARANTINE = /quarantine failed with cluster_recovery_pending on '([^']+)'/;
const NONE_HEALTHY = /boot failed with cluster_no_healthy_graphs:/;

/**
 * A boot at `step` quarantined a graph (or, with every graph pending, refused) for sidecars
 * that each such rejection kept: the serve-side cost of the kept sidecar.
 */
function quarantinedForKept(input: JudgeInput, observed: string, step: number): boolean {
  const r = input.records[step];
  if (r === undefined) return false;
  const g = PENDING_QUARANTINE.exec(observed)?.[1];
  const graphs =
    g !== undefined
      ? [g]
      : NONE_HEALTHY.test(observed)
        ? [...new Set(r.pre.sidecars.flatMap((s) => (s.valid && s.graphId ? [s.graphId] : [])))]
        : [];
  if (graphs.length === 0) return false;
  return graphs.every((x) => {
    const kept = r.pre.sidecars.filter((s) => s.valid && s.graphId === x);
    return kept.length > 0 && kept.every((s) => keptAfterComment(input, s.key, x, step));
  });
}

export const commentOnlyDigestDefeatsProof: KnownFinding = {
  id: "F5-comment-only-digest-defeats-proof",
  title:
    "after a comment-only schema edit, a pre-movement rejection keeps its sidecar and quarantines the graph",
  summary:
    "A comment-only schema edit changes the source digest but not the compiled schema: the engine plans nothing and leaves `_schema.pg` as it was, while apply records the new digest as applied. From then on the ledger's digest never equals the sha256 of the live `_schema.pg`, and the pre-movement proof compares exactly those two. So the next schema change the engine rejects before moving anything (a lock-branch write error, a policy denial, a stale lock branch) keeps its recovery sidecar: the graph is quarantined at serve, and every re-run of apply keeps it pending (its sweep sees the same mismatch) until an operator runs `cluster refresh`. The #284 trap, reopened through a comment.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph/schema_apply.rs",
      function: "apply_schema_with_lock",
      role: "returns applied: false for the empty plan without rewriting _schema.pg",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "records the edited source's digest as applied all the same",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "live_schema_matches_recorded_digest",
      role: "the pre-movement proof: compares the sha256 of the live schema source with that recorded digest, so it never holds again and the rejected change keeps its sidecar",
    },
  ],
  spec: ["appendix A.2"],
  scenario: "comment-only-digest-proof",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure")
      return quarantinedForKept(input, v.observed, v.step);
    if (
      v.oracle !== "sidecar-orphaned-by-rejection" ||
      v.code !== "sidecar_survived_pre_movement_rejection"
    )
      return false;
    const g = /for '([^']+)'/.exec(v.expected)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined) return false;
    return commentDivergence(input, rec, g);
  },
};
