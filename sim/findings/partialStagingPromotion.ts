import type { KnownFinding } from "./KnownFinding.ts";
import { AMBIGUOUS_STAGING, faultedCallIn } from "./metadataOnlyStagingAmbiguity.ts";

/** Faults that can stop an apply between staging writes (a lost acknowledgement stops it too). */
const STAGING_DAMAGE: ReadonlySet<string> = new Set([
  "write-error",
  "ack-loss",
  "lost-write",
  "misdirected-write",
]);

/**
 * The three staging writes. A fault counts only on one of them: a fault on another write to a
 * staging key (the S3 promotion's delete of `_schema.pg.staging`, F25; a recovery's cleanup)
 * leaves no partial staging set.
 */
const STAGING_WRITE = /^engine\.schema_apply\.staging_write_(pg|ir|state)$/;

export const partialStagingPromotion: KnownFinding = {
  id: "F1-partial-staging-promotion",
  title: "a schema apply interrupted between staging writes bricks the graph",
  summary:
    'A schema apply that fails or dies between two of its three staging writes leaves a partial staging set next to its engine SchemaApply sidecar. The next read-write open sees the sidecar and completes the staging rename unconditionally, promoting `_schema.pg` (and `_schema.ir.json` when it was written) while `__schema_state.json` keeps the old hash: every later open fails the schema-contract check ("accepted compiled schema does not match the recorded schema state"), and the graph stays quarantined whatever the operator runs.',
  codePath: [
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "with a SchemaApply sidecar present, goes straight to the staging rename without checking that all three staging files exist",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "complete_staging_rename",
      role: "renames each staging file that is present and skips the missing ones, so the schema source is promoted while the schema state stays old",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "validate_persisted_schema_contract",
      role: 'on every later open, refuses the mismatched contract ("schema evolution is locked down")',
    },
  ],
  spec: [],
  scenario: "partial-staging-promotion",
  laterUpstream: null,
  matches(v, input) {
    const bricked = "schema evolution is locked down";
    const lastBoot = [...input.records].reverse().find((r) => r.outcome.kind === "boot");
    const bootSaysBricked =
      lastBoot?.outcome.kind === "boot" &&
      (lastBoot.outcome.view.quarantined.some((q) => q.reason.includes(bricked)) ||
        lastBoot.outcome.view.diagnostics.some((d) => d.message.includes(bricked)));
    // A graph still quarantined by its sidecar is never opened at boot; the remedy's own
    // read-write open (or refresh) is then where the bricked contract shows.
    const remedySaysBricked = input.records.some(
      (r) =>
        r.phase === "liveness" &&
        (r.outcome.kind === "command" || r.outcome.kind === "apply") &&
        r.outcome.view.diagnostics.some((d) => d.message.includes(bricked)),
    );
    // A later apply never opens a graph it has nothing to change on, so it accepts the
    // bricked graph and the server then cannot open it: the same brick, seen by the server.
    const symptom =
      (v.oracle === "serve-liveness" && (bootSaysBricked || remedySaysBricked)) ||
      (v.oracle === "crash-contract" &&
        v.code === "graph_unopenable" &&
        v.observed.includes(bricked)) ||
      (v.oracle === "accepted-means-servable" &&
        v.code === "applied_graph_not_served" &&
        v.observed.includes(bricked) &&
        !v.observed.includes(AMBIGUOUS_STAGING)) ||
      // ...or, when the bricked graphs were all the server had, it refuses to boot at all.
      (v.oracle === "accepted-means-servable" &&
        v.code === "accepted_config_refused" &&
        allOpensBricked(v.observed, bricked));
    if (!symptom) return false;
    // Between the first and the last of the three staging writes: after the pg (or ir) write
    // landed and before the state write did.
    const between =
      /^engine\.schema_apply\.staging_write_(pg\.after|ir\.(before|after)|state\.before)$/;
    return input.events.some(
      (e, i) =>
        (e.t === "fp" && between.test(e.name) && e.action !== "probe") ||
        (e.t === "death" && /engine\.schema_apply\.staging_write_(ir|state) /.test(e.cause)) ||
        (e.t === "fault" &&
          STAGING_DAMAGE.has(e.kind) &&
          faultedCallIn(input.events, i, STAGING_WRITE)),
    );
  },
};

/**
 * A refused boot whose only errors are graph opens that failed on the bricked contract: the
 * server opened no graph (`no_graphs_opened`), and each graph it could not open says `bricked`.
 */
function allOpensBricked(observed: string, bricked: string): boolean {
  const m = /^boot failed with no_graphs_opened: (.+)$/s.exec(observed);
  if (m === null) return false;
  const diags = (m[1] as string).split(/; (?=\[)/);
  return diags.every(
    (d) =>
      d.startsWith("[graph_open_failed] ") && d.includes(bricked) && !d.includes(AMBIGUOUS_STAGING),
  );
}
