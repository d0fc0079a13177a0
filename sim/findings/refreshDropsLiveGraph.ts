import type { KnownFinding } from "./KnownFinding.ts";

const DROPPED = /the ledger no longer records '([^']+)'/;

export const refreshDropsLiveGraph: KnownFinding = {
  id: "F10-refresh-drops-live-graph",
  title:
    "a storage error while refresh probes a graph's root records the live graph as missing, and serve stops serving it",
  summary:
    '`cluster refresh` and `cluster import` decide whether each declared graph exists with a root-existence probe that turns any storage error into "no": on an object store a failed listing counts as an empty one, on a local disk a failed stat as a missing path. A transient read or listing error therefore makes refresh remove a live graph from the ledger and report success. Serve then does not serve the graph at all (not even as quarantined), and the next apply plans a create over the live root: init refuses (already initialized) and leaves a create sidecar, which the following apply\'s sweep rolls forward only if the config still asks for the live schema; otherwise the graph stays pending until an operator refreshes again.',
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/store.rs",
      function: "graph_root_exists",
      role: "maps a failed listing to an empty one (unwrap_or(true)) and a local path error to false: an error becomes absence",
    },
    {
      file: "crates/omnigraph-cluster/src/config.rs",
      function: "observe_declared_graphs",
      role: "on a root that does not exist, removes the graph and its schema from the applied revision and marks them graph_missing",
    },
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_graph_create_sidecar",
      role: "the create sidecar apply then leaves is rolled forward only when the live schema is the one it intended, else kept pending",
    },
  ],
  spec: ["§3.2"],
  scenario: "refresh-drops-live-graph",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "observation-records-reality" || v.code !== "live_graph_dropped") return false;
    const g = DROPPED.exec(v.observed)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined) return false;
    // The step's probe of that very root failed.
    const root = `graphs/${g}.omni`;
    return input.events
      .slice(rec.traceFrom, rec.traceTo)
      .some((e) => e.t === "fault" && e.key === root && e.kind === "read-error");
  },
};
