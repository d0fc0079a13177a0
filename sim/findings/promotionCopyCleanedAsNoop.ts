import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { putLanded } from "./landed.ts";
import { bootLeftOut, neverReadyGraphs } from "./leftOut.ts";

/** The engine's refusal of a live `_schema.pg` whose IR is not the accepted one. */
export const PG_MISMATCH = "current _schema.pg no longer matches the accepted compiled schema";

const PROMOTE = "engine.schema_apply.promote_staging";
const NOT_SERVED = /^([^:]+): graph_open_failed\b/;

/**
 * Before step `until`: a schema apply's promotion copied `_schema.pg.staging` onto `g`'s
 * `_schema.pg` and then stopped (died, or failed on the copy's acknowledgement or on the delete)
 * before the same process deleted `_schema.pg.staging`: both files hold the new source, and the
 * IR and state staging files were never promoted.
 */
export function promotionCopyStranded(input: JudgeInput, g: string, until: number): boolean {
  const live = `graphs/${g}.omni/_schema.pg`;
  const staging = `${live}.staging`;
  return input.records
    .filter((r) => r.index < until)
    .some((r) => {
      const ev = input.events.slice(r.traceFrom, r.traceTo);
      return ev.some((e, i) => {
        if (e.t !== "call" || !putLanded(ev, i, live, PROMOTE)) return false;
        for (let k = i + 1; k < ev.length; k++) {
          const s = ev[k];
          if (
            s?.t === "call" &&
            s.pid === e.pid &&
            s.step === PROMOTE &&
            s.op === "delete" &&
            s.key === staging &&
            s.result === "ok"
          )
            return false;
        }
        return true;
      });
    });
}

/**
 * `g` was refused for the mismatch after the run's life: the last boot's quarantine says so, or
 * (a graph the sweep keeps pending is never opened at boot) the remedy's own opens do.
 */
function refusedForMismatch(input: JudgeInput, g: string, at?: number): boolean {
  if (bootLeftOut(input, g, (q) => q.reason.includes(PG_MISMATCH), at)) return true;
  const paths = new Set([`graph.${g}`, `graphs/${g}.omni`]);
  return input.records.some(
    (r) =>
      r.phase === "liveness" &&
      (r.outcome.kind === "command" || r.outcome.kind === "apply") &&
      r.outcome.view.diagnostics.some((d) => paths.has(d.path) && d.message.includes(PG_MISMATCH)),
  );
}

/**
 * The boot at `at` (default: the run's last) left `g` out, and `g` is bricked by a stranded
 * promotion copy made before it.
 */
function leftOutBricked(input: JudgeInput, g: string, at?: number): boolean {
  return (
    bootLeftOut(input, g, () => true, at) &&
    refusedForMismatch(input, g, at) &&
    promotionCopyStranded(input, g, at === undefined ? Number.POSITIVE_INFINITY : at + 1)
  );
}

export const promotionCopyCleanedAsNoop: KnownFinding = {
  id: "F25-promotion-copy-cleaned-as-noop",
  title:
    "on S3, a schema apply interrupted inside its _schema.pg rename leaves staging that the next open deletes as a no-op apply, bricking the graph",
  summary:
    "A schema apply promotes its staging files with three renames after the manifest commit. On S3 (and any object store without a native rename) a rename is a copy then a delete of the source, so a crash, a failed delete or a lost acknowledgement after the copy of `_schema.pg.staging` onto `_schema.pg` leaves both files holding the new source, with `_schema.ir.json.staging` and `__schema_state.json.staging` never promoted. The next read-write open's staging recovery (with no SchemaApply sidecar, as for a change with no table work) compiles the staging and live sources, finds them equal, takes the staging for the leftover of a no-op apply and deletes all three staging files, the two unpromoted contract files included. The graph is left with the new `_schema.pg` and the old IR and state: every later open refuses it (\"current _schema.pg no longer matches the accepted compiled schema\"), the sweep keeps its cluster sidecar pending, and the server quarantines it on every boot. The storage adapter's own comment names this state (source and destination both present) and says recovery must tolerate it; the equal-hash branch does not.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph/schema_apply.rs",
      function: "apply_schema_with_lock",
      role: "after the manifest commit, promotes _schema.pg, then _schema.ir.json, then __schema_state.json, each with rename_text",
    },
    {
      file: "crates/omnigraph/src/storage.rs",
      function: "rename_text",
      role: "object_store's default rename on S3: a copy, then a delete of the source; stopped between them, both files exist with the same content",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "without a SchemaApply sidecar and with _schema.pg.staging present, equal staging and live IR hashes are taken for a crashed no-op apply: cleanup_staging_files deletes the unpromoted IR and state staging too",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "validate_current_source_matches",
      role: "on every later open, refuses the new _schema.pg against the old recorded state (schema lock conflict)",
    },
  ],
  spec: ["§4.8"],
  scenario: "promotion-copy-cleaned-as-noop",
  laterUpstream: {
    commit: "905a27c4",
    date: "2026-07-11",
    change:
      "apply_schema_with_lock writes a SchemaApply sidecar for every non-empty migration, table-effect-free ones included, so the next open finishes an interrupted promotion from the sidecar instead of reaching the equal-hash cleanup (which main still has); read in the source, not replayed against this model",
  },
  leavesOut(g, input, at) {
    return leftOutBricked(input, g, at);
  },
  matches(v, input) {
    if (v.oracle === "crash-contract" && v.code === "graph_unopenable") {
      const g = /^'([^']+)' opens/.exec(v.expected)?.[1];
      if (g === undefined || !v.observed.includes(PG_MISMATCH)) return false;
      return promotionCopyStranded(input, g, v.step + 1);
    }
    if (v.oracle === "accepted-means-servable" && v.code === "applied_graph_not_served") {
      const g = NOT_SERVED.exec(v.observed)?.[1];
      if (g === undefined || !v.observed.includes(PG_MISMATCH)) return false;
      return promotionCopyStranded(input, g, v.step);
    }
    if (v.oracle === "serve-liveness" && v.code === "graph_never_ready") {
      const names = neverReadyGraphs(v.observed);
      return names?.every((g) => leftOutBricked(input, g)) === true;
    }
    return false;
  },
};
