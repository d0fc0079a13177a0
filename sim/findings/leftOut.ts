import { graphIdOf } from "../../src/cluster/addresses.ts";
import { QUARANTINE_CODES } from "../../src/server/result.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";
import type { Violation } from "../universe/result.ts";
import type { BootView } from "../universe/system.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const QUARANTINE: ReadonlySet<string> = new Set(QUARANTINE_CODES);

/** One graph a boot left out, why (a quarantine code), and the text that says so. */
export interface LeftOutGraph {
  readonly graphId: string;
  readonly code: string;
  readonly reason: string;
}

/** Every graph the boot left out: its quarantines, and on a refusal their diagnostics. */
export function leftOutBy(view: BootView): LeftOutGraph[] {
  const out = new Map<string, LeftOutGraph>();
  for (const q of view.quarantined) out.set(`${q.graphId}\0${q.code}`, q);
  for (const d of view.diagnostics) {
    const graphId = graphIdOf(d.path);
    if (!QUARANTINE.has(d.code) || graphId === null) continue;
    const key = `${graphId}\0${d.code}`;
    if (!out.has(key)) out.set(key, { graphId, code: d.code, reason: d.message });
  }
  return [...out.values()];
}

/** The run's last boot (the liveness phase's, when it ran). */
export function lastBoot(input: JudgeInput): (StepRecord & { outcome: { kind: "boot" } }) | null {
  const r = input.records.findLast((x) => x.outcome.kind === "boot");
  return r?.outcome.kind === "boot" ? (r as StepRecord & { outcome: { kind: "boot" } }) : null;
}

/** Whether the run's last boot left `g` out for a reason `why` recognises. */
export function lastBootLeftOut(
  input: JudgeInput,
  g: string,
  why: (q: LeftOutGraph) => boolean,
): boolean {
  const boot = lastBoot(input);
  return boot !== null && leftOutBy(boot.outcome.view).some((q) => q.graphId === g && why(q));
}

/** Refusals that only aggregate the boot's per-graph failures (no cause of their own). */
const AGGREGATE: ReadonlySet<string> = new Set([
  "no_graphs_opened",
  "no_healthy_graphs",
  "cluster_no_healthy_graphs",
  "cluster_not_ready",
]);

const NEVER_READY = /^still not ready: ([^(]+)/;

/**
 * The graphs a liveness verdict is about, when it is only about graphs the last boot left out:
 * for graph_never_ready the graphs still not ready; for boot_never_succeeds, a refusal that
 * only aggregates its per-graph failures, every graph it left out. Null otherwise.
 */
function graphsOfLivenessVerdict(v: Violation, input: JudgeInput): string[] | null {
  if (v.oracle !== "serve-liveness") return null;
  if (v.code === "graph_never_ready") {
    const names = NEVER_READY.exec(v.observed)?.[1]
      ?.split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    return names !== undefined && names.length > 0 ? names : null;
  }
  if (v.code !== "boot_never_succeeds") return null;
  const boot = lastBoot(input);
  if (boot === null) return null;
  const view = boot.outcome.view;
  if (view.ok || view.failureCode === null || !AGGREGATE.has(view.failureCode)) return null;
  // Every error of the refusal is a graph's own, or the aggregate itself.
  const own = view.diagnostics.filter(
    (d) => d.severity === "error" && !AGGREGATE.has(d.code) && graphIdOf(d.path) === null,
  );
  if (own.length > 0) return null;
  const out = [...new Set(leftOutBy(view).map((q) => q.graphId))].sort();
  return out.length > 0 ? out : null;
}

/**
 * One liveness verdict that several known findings make together: the last boot left out
 * several graphs, each for one finding's reason (F21 keeps one pending, F7's held-back bundle
 * quarantines another). Returns the findings, each accounting for at least one graph and
 * together for all of them; null when some graph is nobody's (then the verdict stays a failure).
 */
export function jointlyLeftOut(
  v: Violation,
  input: JudgeInput,
  findings: readonly KnownFinding[],
): KnownFinding[] | null {
  const graphs = graphsOfLivenessVerdict(v, input);
  if (graphs === null) return null;
  const used: KnownFinding[] = [];
  for (const g of graphs) {
    const f = findings.find((k) => k.leavesOut?.(g, input) === true);
    if (f === undefined) return null;
    if (!used.includes(f)) used.push(f);
  }
  return used;
}
