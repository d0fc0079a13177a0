import type { TraceEvent } from "../../src/world/trace.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const RECORDED_MISSING = /^a root for '([^']+)', which the converged ledger records$/;
const CREATE_FAILED = /graph_create_failed\W.*?'[^']*\/graphs\/([^/']+)\.omni'.*?already exists/;

/**
 * The wedge in `events`: the cluster's root probe of `g` (an `exists` of the root itself) was
 * told it does not exist, and an init then found a dataset already under that root
 * (`engine.init.create_table` refused) at or after event `from`. Either the same process
 * probed and collided (its sweep retired the create, then its plan created again), or the
 * dataset it collided with had landed (an earlier init's `create_table`, not deleted since)
 * when some probe, in any earlier step, read the root as absent: that probe's sweep retired
 * the create intent, and a later apply, which does not probe, created again. On S3 the probe
 * lists only the objects directly under the root, so a root left with nothing but nested
 * objects (datasets, manifest versions) reads as absent.
 */
export function rootHiddenThenInitCollides(
  events: readonly TraceEvent[],
  g: string,
  from = 0,
): boolean {
  const root = `graphs/${g}.omni`;
  const told = new Set<number>();
  const landed = new Set<string>();
  const hidden = new Set<string>();
  for (const [i, e] of events.entries()) {
    if (e.t !== "call") continue;
    const under = e.key.startsWith(`${root}/`);
    if (e.op.startsWith("delete") && !e.result.startsWith("error")) {
      for (const k of [...landed])
        if (k === e.key || k.startsWith(`${e.key}/`)) {
          landed.delete(k);
          hidden.delete(k);
        }
    }
    if (e.op === "exists" && e.key === root && e.result === "false") {
      told.add(e.pid);
      for (const k of landed) hidden.add(k);
    }
    if (e.step !== "engine.init.create_table" || !under) continue;
    if (e.result === "true") landed.add(e.key);
    else if (e.result === "false" && i >= from && (told.has(e.pid) || hidden.has(e.key)))
      return true;
  }
  return false;
}

export const s3LeftoversHideFromRootProbe: KnownFinding = {
  id: "F16-s3-leftovers-hide-from-root-probe",
  title:
    "on S3, a failed graph create leaves datasets the cluster cannot see, and every retry fails with 'Dataset already exists'",
  summary:
    "When `Omnigraph::init` fails after creating its datasets (a failed or unacknowledged manifest write, commit append or later step), its cleanup deletes the three schema files at the top of the graph root and leaves the Lance datasets and `__manifest/` below them. On a local filesystem or the in-memory store the cluster still sees that partial root: the sweep reports `graph_create_incomplete` and tells the operator to remove it. On S3 the cluster's root probe lists only the objects directly under the root, which the cleanup has just removed, so the root reads as absent: the sweep retires the create intent as if nothing had landed, the plan proposes the create again, and init fails on the datasets already there (Lance's create mode: `Dataset already exists`). Every later apply does the same; nothing tells the operator that a partial root exists or that removing it is the remedy, and the graph (with whatever depends on it) never converges.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "best_effort_cleanup_init_artifacts",
      role: "after a failed init, deletes only _schema.pg, _schema.ir.json and __schema_state.json, leaving the datasets and __manifest/ (nested prefixes)",
    },
    {
      file: "crates/omnigraph-cluster/src/store.rs",
      function: "graph_root_exists",
      role: "on S3, a root exists only when list_dir of it is non-empty",
    },
    {
      file: "crates/omnigraph/src/storage.rs",
      function: "list_dir",
      role: "list_with_delimiter keeps the objects directly under the prefix and drops the common prefixes, so nested datasets are not listed",
    },
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_graph_create_sidecar",
      role: "row 1 ('nothing moved') when the root probe says absent: retires the intent instead of reporting graph_create_incomplete (row 5)",
    },
  ],
  spec: ["§3.2", "§4.2"],
  scenario: "s3-failed-create-wedged",
  laterUpstream: null,
  matches(v, input) {
    const failed = (text: string): string | undefined => CREATE_FAILED.exec(text)?.[1];
    if (v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure") {
      const g = failed(v.observed);
      const rec = input.records[v.step];
      if (g === undefined || rec === undefined) return false;
      return rootHiddenThenInitCollides(input.events.slice(0, rec.traceTo), g, rec.traceFrom);
    }
    // With the lock off, a concurrent apply's sweep may record the graph (rolling the create
    // forward over the colliding init's freshly written schema files) before that init's
    // cleanup hides the root again: the converged ledger then records a root the probe
    // cannot see.
    if (v.oracle === "ledger-converges-to-reality" && v.code === "recorded_graph_missing") {
      const g = RECORDED_MISSING.exec(v.expected)?.[1];
      const rec = input.records[v.step];
      if (g === undefined || rec === undefined) return false;
      return rootHiddenThenInitCollides(input.events.slice(0, rec.traceTo), g);
    }
    if (v.oracle === "serve-liveness" && v.code === "remedy_not_converged") {
      const g = failed(v.observed);
      if (g === undefined) return false;
      // The remedy's applies: the liveness records, each its own trace window.
      return input.records.some(
        (r) =>
          r.phase === "liveness" &&
          rootHiddenThenInitCollides(input.events.slice(0, r.traceTo), g, r.traceFrom),
      );
    }
    return false;
  },
};
