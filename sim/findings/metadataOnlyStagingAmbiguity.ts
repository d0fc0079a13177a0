import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** What the engine says when schema staging cannot be placed before or after its commit. */
export const AMBIGUOUS_STAGING = "cannot disambiguate pre- vs post-commit crash";

/**
 * The window, by failpoint: upstream's named points after the staging write (including the two
 * inside the manifest-commit helper, `graph_publish.*`) and the model's write steps from the
 * first staging write to the promotion. A death's cause names the point or step it died at.
 */
const WINDOW_POINTS =
  "schema_apply\\.(after_staging_write|after_manifest_commit)|graph_publish\\.|engine\\.schema_apply\\.(staging_write_|promote_staging)|engine\\.manifest\\.|engine\\.commits\\.append";
const WINDOW = new RegExp(`^(${WINDOW_POINTS})`);
const WINDOW_DEATH = new RegExp(`(${WINDOW_POINTS})`);
/** Keys a call of the window touches (the writes, and the listings the commit reads first). */
const WINDOW_KEY = /(\.staging$|\/__manifest\/versions(\/|$)|\/_graph_commits\.lance(\/|$))/;

/**
 * The liveness remedy removes the staging as the engine's message says, so serve-liveness
 * holds; the crash contract's verdict on the interrupted step is what this finding answers for.
 */
export const metadataOnlyStagingAmbiguity: KnownFinding = {
  id: "F4-metadata-only-staging-ambiguity",
  title:
    "an interrupted metadata-only schema apply leaves the graph unopenable until manual repair",
  summary:
    'A metadata-only schema apply (an @description or @instruction change: a new compiled schema over the same tables) writes no engine SchemaApply sidecar, because no table moves. Stopped anywhere between its staging writes and the end of its promotion, it leaves `*.staging` files whose table set equals the live one, and the next read-write open refuses the graph ("cannot disambiguate pre- vs post-commit crash"): the graph no longer opens until an operator removes or promotes the staging files by hand. The code\'s own comment promises that a crash before the commit is cleaned up on open; for this kind of change it is not.',
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph/schema_apply.rs",
      function: "apply_schema_with_lock",
      role: "writes no recovery sidecar when no table is rewritten, added, renamed or dropped (writes_sidecar is false), then writes the staging files",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "with no SchemaApply sidecar, refuses staging whose table set equals the live one (cannot disambiguate pre- vs post-commit crash)",
    },
  ],
  spec: ["appendix A.4"],
  scenario: "metadata-only-staging",
  laterUpstream: {
    commit: "905a27c4",
    date: "2026-07-11",
    change:
      "apply_schema_with_lock writes a SchemaApply sidecar for every non-empty migration, metadata-only ones included, so a metadata-only apply interrupted around its staging no longer leaves staging without an engine sidecar, the ambiguity this finding starts from; read in the source, not replayed against this model",
  },
  matches(v, input) {
    // The graph no longer opens after the step, for exactly this reason; or a later apply,
    // which never opens an unchanged graph, accepts it and the server then cannot open it...
    const unopenable = v.oracle === "crash-contract" && v.code === "graph_unopenable";
    const acceptedUnservable =
      v.oracle === "accepted-means-servable" &&
      (v.code === "applied_graph_not_served" || v.code === "accepted_config_refused");
    if (!unopenable && !acceptedUnservable) return false;
    if (!v.observed.includes(AMBIGUOUS_STAGING)) return false;
    // ...and that step (or, for the later apply, a step before it) stopped a schema apply
    // after its first staging write and before its last promotion: a failpoint that fired
    // there, a death there, or a storage fault on a write of that window (a staging file, the
    // manifest version, the commit-graph row; a lost acknowledgement of the manifest version
    // stops the apply after the manifest moved).
    // A fault on a promotion's rename is recorded on its target, the live schema file: the
    // call it hit, the same process's next, is the window's (upstream's `rename_text(..)?`
    // after the manifest commit returns with the staging still there).
    const rec = input.records[v.step];
    if (rec === undefined) return false;
    const from = unopenable ? rec.traceFrom : 0;
    return input.events
      .slice(from, rec.traceTo)
      .some(
        (e, i) =>
          (e.t === "fp" && WINDOW.test(e.name) && e.action !== "probe") ||
          (e.t === "death" && WINDOW_DEATH.test(e.cause)) ||
          (e.t === "fault" &&
            (WINDOW_KEY.test(e.key) || faultedCallIn(input.events, from + i, WINDOW))),
      );
  },
};

/** Whether the call a fault at `at` hit (its process's next call) carries a `window` step label. */
export function faultedCallIn(events: JudgeInput["events"], at: number, window: RegExp): boolean {
  const f = events[at];
  if (f?.t !== "fault") return false;
  for (let i = at + 1; i < events.length; i++) {
    const e = events[i];
    if (e?.t === "call" && e.pid === f.pid) return e.step !== undefined && window.test(e.step);
  }
  return false;
}
