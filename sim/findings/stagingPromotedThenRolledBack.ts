import { interruptedAfter } from "./interruptedAfter.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const MISSING_TABLE = /on '\/cluster\/graphs\/([^/']+)\.omni': missing source table '/;
const KEPT = /quarantine failed with cluster_recovery_pending on '([^']+)'/;

export const stagingPromotedThenRolledBack: KnownFinding = {
  id: "F9-staging-promoted-then-rolled-back",
  title:
    "a schema promoted by one open and rolled back by the next leaves a graph no schema apply can move",
  summary:
    "Open-time recovery of an interrupted schema apply runs in two passes: staging promotion (`_schema.pg` becomes the new schema when a SchemaApply sidecar is present), then the manifest-drift sweep, which rolls the sidecar forward only if the staging was promoted in this same recovery pass. An open interrupted between the two (a read error on the sidecar, a crash) leaves the new schema promoted and the sidecar pending; the next open finds no staging, so it rolls the sidecar back, and the tables the new schema declares (an added type) are never registered in the manifest. The graph still opens and serves, but every later schema apply fails with a missing source table and the cluster never converges.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "promotes the staging files in the first, interrupted pass",
    },
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "process_sidecar",
      role: "rolls a SchemaApply sidecar back unless completed_schema_apply_sidecar_rename() says this pass promoted the staging",
    },
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "roll_back_sidecar",
      role: "publishes no registration for the added tables, under a schema that declares them",
    },
  ],
  spec: ["§4.8"],
  scenario: "staging-promoted-then-rolled-back",
  laterUpstream: null,
  matches(v, input) {
    const unexplained = v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure";
    const stuck = v.oracle === "serve-liveness" && v.code === "remedy_not_converged";
    if (!unexplained && !stuck) return false;
    // The torn graph's schema applies fail on the missing table; each keeps its sidecar (the
    // proof sees a live schema the ledger never recorded), which quarantines the graph.
    const torn = MISSING_TABLE.exec(v.observed)?.[1];
    const kept = unexplained ? KEPT.exec(v.observed)?.[1] : undefined;
    const g = torn ?? kept;
    if (g === undefined) return false;
    if (
      torn === undefined &&
      !input.records.some(
        (r) =>
          (v.step < 0 || r.index < v.step) &&
          r.outcome.kind === "apply" &&
          r.outcome.view.diagnostics.some(
            (d) => d.path === `schema.${g}` && MISSING_TABLE.test(d.message),
          ),
      )
    )
      return false;
    // An earlier open promoted that graph's staging in recovery and was then interrupted.
    // A rename is one call on the model's store and on a local filesystem; on S3 it is a copy
    // then a delete, and the schema is promoted once the copy onto _schema.pg landed.
    const pg = `graphs/${g}.omni/_schema.pg.staging`;
    const live = `graphs/${g}.omni/_schema.pg`;
    return interruptedAfter(
      input,
      v.step,
      (e) =>
        e.t === "call" &&
        e.step === "engine.recovery.promote_staging" &&
        !e.result.startsWith("error") &&
        ((e.op === "rename" && e.key.split(" -> ")[0] === pg) ||
          (e.op === "put" && e.key === live)),
    );
  },
};
