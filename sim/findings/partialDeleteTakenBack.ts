import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { neverReadyGraphs } from "./leftOut.ts";

const NOT_SERVED = /^([^:]+): graph_open_failed\b/;

/**
 * `g`'s approved delete began removing its root (a `cluster.graph.delete_root` write under it)
 * and stopped partway (the root still there after the step), and a later step's config has `g`
 * again, with no completed delete in between. Records before `until` only.
 */
export function deleteStoppedThenTakenBack(input: JudgeInput, g: string, until: number): boolean {
  const root = `graphs/${g}.omni`;
  let partial = false;
  for (const r of input.records) {
    if (r.index >= until) break;
    const inConfig = r.desired.graphs.some((d) => d.id === g);
    if (partial && inConfig) return true;
    let deleting = false;
    for (let i = r.traceFrom; i < r.traceTo && !deleting; i++) {
      const e = input.events[i];
      deleting =
        e?.t === "call" &&
        e.step === "cluster.graph.delete_root" &&
        (e.key === root || e.key.startsWith(`${root}/`));
    }
    if (deleting) partial = !inConfig && r.post.graphs[g]?.exists === true;
  }
  return false;
}

export const partialDeleteTakenBack: KnownFinding = {
  id: "F17-partial-delete-taken-back",
  title:
    "a graph whose approved delete stopped partway and is then put back in the config is reported converged but never opens",
  summary:
    "An approved graph delete removes the root with the storage adapter's prefix delete, which on S3 deletes object by object and on a local filesystem walks the tree (`remove_dir_all`): a failure or crash partway leaves a root with its manifest gone and the rest in place, and the graph stays recorded as applied. Upstream tolerates that through retry: the sweep warns `graph_delete_incomplete`, saying the still-approved delete will be proposed again. If the operator instead takes the delete back (puts the graph back in the config), the plan sees the graph recorded at its desired schema and proposes nothing: apply reports the cluster converged while the graph's root no longer opens (`no graph manifest found`). The server quarantines it on every boot and nothing in plan, apply or status says the root is half deleted; the way out is to remove the graph again, re-approve and finish the delete, then create it anew. On stores whose prefix delete is atomic the same failure leaves the graph whole.",
  codePath: [
    {
      file: "crates/omnigraph/src/storage.rs",
      function: "delete_prefix",
      role: "removes a root in many writes (remove_dir_all locally, list then delete each object on S3); a failure partway leaves the rest",
    },
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "on graph_delete_failed keeps the graph's resources in the ledger as applied (the delete is retried later)",
    },
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_graph_delete_sidecar",
      role: "row 8: the root still exists, so it retires the intent with graph_delete_incomplete, counting on the plan to propose the delete again",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "diff_resources",
      role: "the graph is back in the config at the digest the ledger records: no change, so apply converges without opening the root",
    },
  ],
  spec: ["§2.12", "§3.2"],
  scenario: "partial-delete-taken-back",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle === "accepted-means-servable" && v.code === "applied_graph_not_served") {
      const g = NOT_SERVED.exec(v.observed)?.[1];
      if (g === undefined || !v.observed.includes("no graph manifest found")) return false;
      return deleteStoppedThenTakenBack(input, g, v.step);
    }
    if (v.oracle === "serve-liveness" && v.code === "graph_never_ready") {
      const names = neverReadyGraphs(v.observed);
      if (names === null) return false;
      return names.every((g) => deleteStoppedThenTakenBack(input, g, Number.POSITIVE_INFINITY));
    }
    return false;
  },
};
