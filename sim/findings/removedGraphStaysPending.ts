import { graphIdOf } from "../../src/cluster/addresses.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { bootLeftOut, neverReadyGraphs } from "./leftOut.ts";

const NOT_READY_BOOTS = /^boot kept failing: round 1: boot failed: cluster_not_ready\b/;

/**
 * At the last record before `until`, `g` is out of the config yet still in the ledger, a
 * schema-apply sidecar names it, the ledger records a schema other than the live one (so the
 * sweep cannot retire the sidecar as stale), and the last apply's sweep kept it pending.
 */
export function removedWhilePending(input: JudgeInput, g: string, until: number): boolean {
  const steps = input.records.filter((r) => r.index < until);
  const last = steps.at(-1);
  if (last === undefined) return false;
  if (last.desired.graphs.some((d) => d.id === g)) return false;
  const resources = last.post.ledger?.resources ?? {};
  if (!(`graph.${g}` in resources)) return false;
  const sidecar = last.post.sidecars.some(
    (s) => s.valid && s.kind === "schema_apply" && s.graphId === g,
  );
  if (!sidecar) return false;
  const recorded = resources[`schema.${g}`]?.digest;
  if (recorded === last.post.graphs[g]?.schemaDigest) return false;
  const lastApply = [...steps].reverse().find((r): r is StepRecord => r.outcome.kind === "apply");
  return (
    lastApply?.outcome.kind === "apply" &&
    lastApply.outcome.view.diagnostics.some(
      (d) => d.code === "cluster_recovery_pending" && d.path === `graph.${g}`,
    )
  );
}

export const removedGraphStaysPending: KnownFinding = {
  id: "F21-removed-graph-stays-pending",
  title:
    "a graph taken out of the config while an interrupted schema apply keeps it pending can never be released",
  summary:
    "When the recovery sweep finds a graph's live schema neither the one the ledger records nor the one the interrupted schema apply wanted, it keeps the sidecar, marks the graph pending and tells the operator to run `cluster refresh` and re-plan: refresh records the live digest, and the next sweep retires the sidecar. But refresh observes only the graphs the config declares. If the operator has taken the graph out of the config (to delete it), refresh never records its live schema, the sweep keeps the graph pending on every run, and the pending mark blocks the very delete the operator asked for (approved or not). The graph stays in the ledger, the server quarantines it on every boot (refusing to start at all when it is the only graph left), and no documented command changes that; the way out is to put the graph back in the config, refresh, apply, and remove it again.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/sweep.rs",
      function: "sweep_schema_apply_sidecar",
      role: "row 6: live schema is neither recorded nor desired, so the sidecar is kept and the graph pending, with a message to run `cluster refresh`",
    },
    {
      file: "crates/omnigraph-cluster/src/config.rs",
      function: "observe_declared_graphs",
      role: "refresh records the live schema of desired.graphs only, so an undeclared graph's ledger entry keeps the stale digest",
    },
    {
      file: "crates/omnigraph-cluster/src/diff.rs",
      function: "classify_changes",
      role: "the graph delete (and its schema delete) is blocked as cluster_recovery_pending, approved or not",
    },
    {
      file: "crates/omnigraph-cluster/src/serve.rs",
      function: "read_snapshot_with_store",
      role: "quarantines the applied graph a pending sidecar names; with every applied graph quarantined the boot fails cluster_no_healthy_graphs",
    },
  ],
  spec: ["§3.2", "§3.4", "§5.4"],
  scenario: "removed-graph-stays-pending",
  laterUpstream: null,
  leavesOut(g, input, at) {
    return (
      bootLeftOut(input, g, (q) => q.code === "cluster_recovery_pending", at) &&
      removedWhilePending(input, g, at === undefined ? Number.POSITIVE_INFINITY : at + 1)
    );
  },
  matches(v, input) {
    if (v.oracle !== "serve-liveness") return false;
    const end = Number.POSITIVE_INFINITY;
    if (v.code === "graph_never_ready") {
      const names = neverReadyGraphs(v.observed);
      if (names === null) return false;
      return names.every((g) => removedWhilePending(input, g, end));
    }
    if (v.code === "boot_never_succeeds") {
      if (!NOT_READY_BOOTS.test(v.observed)) return false;
      // The last boot refused for want of a healthy graph, and every graph it had was one of
      // these.
      const boot = [...input.records].reverse().find((r) => r.outcome.kind === "boot");
      if (boot?.outcome.kind !== "boot") return false;
      const view = boot.outcome.view;
      if (!view.diagnostics.some((d) => d.code === "cluster_no_healthy_graphs")) return false;
      const applied = Object.keys(boot.pre.ledger?.resources ?? {}).flatMap(
        (a) => graphIdOf(a) ?? [],
      );
      return applied.length > 0 && applied.every((g) => removedWhilePending(input, g, end));
    }
    return false;
  },
};
