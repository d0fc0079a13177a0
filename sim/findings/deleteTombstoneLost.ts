import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { bootLeftOut, neverReadyGraphs } from "./leftOut.ts";

const NOT_SERVED = /^([^:]+): graph_open_failed\b.*no graph manifest found/;
const QUARANTINED =
  /quarantine failed with graph_open_failed on '([^']+)': .*no graph manifest found/;
const RECORDED_MISSING = /^a root for '([^']+)', which the converged ledger records$/;

/**
 * Before `until`: an approved delete removed `g`'s root entirely (a `cluster.graph.delete_root`
 * write, the root absent after the step) while the ledger kept recording the graph (the
 * command failed before its CAS); later the config declares `g` again; and from that delete on,
 * no step's ledger stopped recording `g` (the tombstone the sweep rolls forward never landed),
 * yet at the last of those steps `g` has no root.
 */
export function tombstoneLost(input: JudgeInput, g: string, until: number): boolean {
  const root = `graphs/${g}.omni`;
  const addr = `graph.${g}`;
  const steps = input.records.filter((r) => r.index < until);
  const at = steps.findIndex(
    (r) =>
      !r.desired.graphs.some((d) => d.id === g) &&
      r.post.graphs[g]?.exists !== true &&
      addr in (r.post.ledger?.resources ?? {}) &&
      input.events
        .slice(r.traceFrom, r.traceTo)
        .some(
          (e) =>
            e.t === "call" &&
            e.step === "cluster.graph.delete_root" &&
            (e.key === root || e.key.startsWith(`${root}/`)),
        ),
  );
  if (at < 0) return false;
  const after = steps.slice(at + 1);
  const last = after.at(-1);
  return (
    last !== undefined &&
    after.some((r) => r.desired.graphs.some((d) => d.id === g)) &&
    after.every((r) => addr in (r.post.ledger?.resources ?? {})) &&
    last.post.graphs[g]?.exists !== true
  );
}

export const deleteTombstoneLost: KnownFinding = {
  id: "F26-delete-tombstone-lost",
  title:
    "a graph put back after its delete removed the root, and whose re-create is interrupted, stays recorded with no root",
  summary:
    "An approved delete that removes a graph's root but fails before its ledger write leaves the graph recorded and its delete sidecar behind. If the operator puts the graph back, the next apply's sweep finds the root gone and rolls the delete forward in memory (tombstone), and the same run's plan re-creates the graph; a crash in that init loses both (they land only with the command's ledger write) and leaves a partial root. The next sweep then takes the partial root for the old delete's unfinished root and retires that sidecar ('it will be re-proposed by plan'), although the graph is in the config and no delete is proposed: the tombstone is gone for good. The create's sidecar reports `graph_create_incomplete`; once the operator removes the partial root as told, the sweep retires it too ('the command's own plan re-proposes the create'), but the plan sees the graph recorded at its desired schema and proposes nothing. Apply reports the cluster converged with no root for the graph, the server quarantines it on every boot (`no graph manifest found`), and no command brings it back; the way out is to remove the graph from the config, approve and apply the delete again, and add it anew.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_graph_delete_sidecar",
      role: "row 7b tombstones the graph in the in-memory ledger only (the command's CAS persists it); row 8 retires the sidecar whenever any root exists, a re-create's partial root included, saying the delete will be re-proposed",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "sweeps, then plans against the swept in-memory ledger and re-creates the graph the tombstone removed; a death before the state CAS loses tombstone and create alike",
    },
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_graph_create_sidecar",
      role: "row 1 retires a create sidecar whose root is absent, leaving the create to the command's own plan",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "diff_resources",
      role: "the graph is recorded at its desired digest, so the plan proposes nothing for it and apply converges",
    },
  ],
  spec: ["§2.12", "§3.2"],
  scenario: "delete-tombstone-lost",
  laterUpstream: null,
  leavesOut(g, input, at) {
    return (
      bootLeftOut(input, g, (q) => q.reason.includes("no graph manifest found"), at) &&
      tombstoneLost(input, g, at === undefined ? Number.POSITIVE_INFINITY : at + 1)
    );
  },
  matches(v, input) {
    const end = Number.POSITIVE_INFINITY;
    if (v.oracle === "ledger-converges-to-reality" && v.code === "recorded_graph_missing") {
      const g = RECORDED_MISSING.exec(v.expected)?.[1];
      return g !== undefined && tombstoneLost(input, g, v.step + 1);
    }
    if (v.oracle === "accepted-means-servable" && v.code === "applied_graph_not_served") {
      const g = NOT_SERVED.exec(v.observed)?.[1];
      return g !== undefined && tombstoneLost(input, g, v.step);
    }
    if (v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure") {
      const g = QUARANTINED.exec(v.observed)?.[1];
      return g !== undefined && tombstoneLost(input, g, v.step);
    }
    if (v.oracle === "serve-liveness" && v.code === "graph_never_ready") {
      const names = neverReadyGraphs(v.observed);
      return names?.every((g) => tombstoneLost(input, g, end)) === true;
    }
    return false;
  },
};
