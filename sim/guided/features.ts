import type { Observation } from "../universe/observe.ts";
import type { Outcome, StepRecord } from "../universe/records.ts";
import type { UniverseResult } from "../universe/result.ts";
import type { Diag } from "../universe/system.ts";

/**
 * What a guided fleet calls "something new": the features one universe reached, each a short
 * stable string. A universe enters the corpus when it reached a feature no universe before it
 * reached. The families (the prefix before the first ':'):
 *
 * - `fp`: a failpoint fired in a mode (`fp:cluster.state.write.before:crash`): the coverage
 *   ledger's failpoint pairs (sim/coverage);
 * - `reach`: a failpoint an operation reached in life (`reach:apply:engine.recovery...`), the
 *   edge-coverage-like gradient that leads to the pairs;
 * - `out`, `diag`, `change`: an operation's outcome kind, the diagnostic codes its output
 *   carried, the change operations and dispositions apply planned (`liveness/` in front for
 *   the liveness phase's remedy steps);
 * - `sweep`: the branch of the recovery sweep's table a sidecar took (src/cluster/sweep.ts),
 *   derived from what the command reported and what the store shows before and after it
 *   (the sweep writes no trace note of its own, so the traces of existing seeds stay as they are);
 * - `boot`, `quarantine`: a boot's result and every quarantine reason;
 * - `verdict`, `known`: the oracle verdict codes and the known findings matched.
 */
export type Feature = string;

/** What features are read from: the result, the executed steps, the failpoints each op reached. */
export interface FeatureInput {
  readonly result: UniverseResult;
  readonly records: readonly StepRecord[];
  readonly reachedByOp: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The sweep table's rows, by what the sweep reports (code, then a phrase of its message). */
function sweepBranch(d: Diag): string | null {
  switch (d.code) {
    case "graph_create_incomplete":
      return "create:partial-root";
    case "graph_delete_incomplete":
      return "delete:root-remains";
    case "cluster_recovery_rolled_forward":
      if (d.message.includes("graph create")) return "create:rolled-forward";
      if (d.message.includes("schema apply")) return "schema:rolled-forward";
      if (d.message.includes("graph delete")) return "delete:rolled-forward";
      return "rolled-forward";
    case "cluster_recovery_pending":
      if (d.message.includes("cannot be verified")) return "schema:unopenable";
      if (d.message.includes("graph create left")) return "create:unexpected-state";
      if (d.message.includes("schema apply left")) return "schema:unexpected-state";
      return null; // a read-only command's report of a pending sidecar: not a sweep branch
    default:
      return null;
  }
}

/** Sweep rows that retire a sidecar silently, told apart by what the store showed before. */
function silentBranch(kind: string | null, graph: string | null, pre: Observation): string {
  const exists = graph !== null && pre.graphs[graph]?.exists === true;
  const recorded = graph !== null && pre.ledger?.resources[`graph.${graph}`] !== undefined;
  switch (kind) {
    case "graph_create":
      return exists ? "create:already-recorded" : "create:never-landed";
    case "schema_apply":
      return "schema:stale-intent";
    case "graph_delete":
      return recorded ? "delete:retired" : "delete:already-tombstoned";
    default:
      return `${kind ?? "unparsed"}:retired`;
  }
}

function diagnosticsOf(o: Outcome): readonly Diag[] {
  switch (o.kind) {
    case "apply":
    case "boot":
    case "command":
      return o.view.diagnostics;
    case "concurrent":
      return o.outcomes.flatMap(diagnosticsOf);
    default:
      return [];
  }
}

function outcomeFeatures(op: string, o: Outcome, out: Set<Feature>): void {
  switch (o.kind) {
    case "apply":
      out.add(`out:${op}:${o.view.ok ? "ok" : "failed"}${o.view.converged ? "" : ":unconverged"}`);
      for (const c of o.view.changes)
        out.add(`change:${op}:${c.operation}:${c.disposition ?? "-"}`);
      break;
    case "boot":
      out.add(`boot:${o.view.ok ? "ok" : `failed:${o.view.failureCode ?? "-"}`}`);
      for (const q of o.view.quarantined) out.add(`quarantine:${q.code}`);
      break;
    case "command":
      out.add(`out:${op}:${o.view.ok ? "ok" : "failed"}`);
      break;
    case "concurrent":
      out.add(`out:${op}:${o.outcomes.map((x) => x.kind).join("+")}`);
      for (const x of o.outcomes) outcomeFeatures(`${op}/actor`, x, out);
      return;
    default:
      out.add(`out:${op}:${o.kind}`);
  }
  for (const d of diagnosticsOf(o)) out.add(`diag:${op}:${d.code}`);
}

/** Every feature one universe reached, sorted. */
export function featuresOf(input: FeatureInput): Feature[] {
  const out = new Set<Feature>();
  const { result } = input;
  for (const [key] of result.firedByTask) {
    const [name, task] = key.split(" ");
    if (task === "crash" || task === "error") out.add(`fp:${name}:${task}`);
  }
  // Only what life reached: every universe of a fixture shares its birth's (the creates of
  // its graphs), which would make the paths of a later create look common.
  const life = new Set(result.lifeReached);
  for (const [op, names] of input.reachedByOp)
    for (const n of names) if (life.has(n)) out.add(`reach:${op}:${n}`);
  for (const r of input.records) {
    const op = r.phase === "life" ? r.step.op : `liveness/${r.step.op}`;
    outcomeFeatures(op, r.outcome, out);
    const swept = new Set<string>();
    for (const d of diagnosticsOf(r.outcome)) {
      const b = sweepBranch(d);
      if (b === null) continue;
      out.add(`sweep:${b}`);
      swept.add(d.path);
    }
    // A sidecar present before the step and gone after it, with nothing reported for its
    // graph: one of the rows that retire a sidecar silently.
    if (r.outcome.kind === "edited" || r.outcome.kind === "skipped") continue;
    const after = new Set(r.post.sidecars.map((s) => s.key));
    for (const s of r.pre.sidecars) {
      if (after.has(s.key) || (s.graphId !== null && swept.has(`graph.${s.graphId}`))) continue;
      out.add(`sweep:${silentBranch(s.kind, s.graphId, r.pre)}`);
    }
  }
  for (const v of result.violations) out.add(`verdict:${v.oracle}/${v.code}`);
  for (const k of result.known) out.add(`known:${k.finding}`);
  if (result.verdict === "crash") out.add("verdict:harness/crash");
  return [...out].sort();
}
