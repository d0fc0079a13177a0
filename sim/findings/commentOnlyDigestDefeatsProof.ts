import { sameSchema } from "../universe/modelSystem.ts";
import type { KnownFinding } from "./KnownFinding.ts";

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
    if (
      v.oracle !== "sidecar-orphaned-by-rejection" ||
      v.code !== "sidecar_survived_pre_movement_rejection"
    )
      return false;
    const g = /for '([^']+)'/.exec(v.expected)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined) return false;
    // Before the step, the ledger recorded a digest other than the live schema's, for a source
    // that compiles to the very schema that is live: the comment-only divergence, and nothing
    // else (a ledger lagging a real schema change is another story).
    const recorded = rec.pre.ledger?.resources[`schema.${g}`]?.digest;
    const live = rec.pre.graphs[g];
    if (typeof recorded !== "string" || live?.schemaText == null) return false;
    if (recorded === live.schemaDigest) return false;
    const recordedText = input.sourcesByDigest.get(recorded);
    return recordedText !== undefined && sameSchema(recordedText, live.schemaText);
  },
};
