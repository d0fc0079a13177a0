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

type BootRecord = StepRecord & { outcome: { kind: "boot" } };

/** The run's last boot (the liveness phase's, when it ran). */
export function lastBoot(input: JudgeInput): BootRecord | null {
  const r = input.records.findLast((x) => x.outcome.kind === "boot");
  return r?.outcome.kind === "boot" ? (r as BootRecord) : null;
}

/** The boot recorded at `at` (the run's last boot when `at` is omitted). */
export function bootAt(input: JudgeInput, at?: number): BootRecord | null {
  if (at === undefined) return lastBoot(input);
  const r = input.records[at];
  return r?.outcome.kind === "boot" ? (r as BootRecord) : null;
}

/** Whether the boot at `at` (default: the run's last) left `g` out for a reason `why` recognises. */
export function bootLeftOut(
  input: JudgeInput,
  g: string,
  why: (q: LeftOutGraph) => boolean,
  at?: number,
): boolean {
  const boot = bootAt(input, at);
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

/** The graphs a graph_never_ready verdict names (its observed text), or null. */
export function neverReadyGraphs(observed: string): string[] | null {
  const names = NEVER_READY.exec(observed)?.[1]
    ?.split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return names !== undefined && names.length > 0 ? names : null;
}

/**
 * The boot a verdict is about and the graphs it left out, when the verdict is only about those:
 * for graph_never_ready the graphs still not ready at the last boot; for boot_never_succeeds
 * (the last boot) and accepted_config_refused (the boot at the verdict's step), a refusal that
 * only aggregates its per-graph failures, every graph it left out. Null otherwise.
 */
function graphsLeftOut(
  v: Violation,
  input: JudgeInput,
): { readonly at: number; readonly graphs: string[] } | null {
  const liveness = v.oracle === "serve-liveness";
  if (liveness && v.code === "graph_never_ready") {
    const boot = lastBoot(input);
    const names = neverReadyGraphs(v.observed);
    return boot !== null && names !== null ? { at: boot.index, graphs: names } : null;
  }
  const refused =
    (liveness && v.code === "boot_never_succeeds") ||
    (v.oracle === "accepted-means-servable" && v.code === "accepted_config_refused");
  if (!refused) return null;
  const boot = liveness ? lastBoot(input) : bootAt(input, v.step);
  if (boot === null) return null;
  const view = boot.outcome.view;
  if (view.ok || view.failureCode === null || !AGGREGATE.has(view.failureCode)) return null;
  // Every error of the refusal is a graph's own, or the aggregate itself.
  const own = view.diagnostics.filter(
    (d) => d.severity === "error" && !AGGREGATE.has(d.code) && graphIdOf(d.path) === null,
  );
  if (own.length > 0) return null;
  const out = [...new Set(leftOutBy(view).map((q) => q.graphId))].sort();
  return out.length > 0 ? { at: boot.index, graphs: out } : null;
}

/**
 * One verdict about a boot that several known findings make together: the boot left out
 * several graphs, each for one finding's reason (F21 keeps one pending, F7's bundle quarantines
 * another). Returns the findings, each accounting for at least one graph and together for all
 * of them; null when some graph is nobody's (then the verdict stays a failure).
 */
export function jointlyLeftOut(
  v: Violation,
  input: JudgeInput,
  findings: readonly KnownFinding[],
): KnownFinding[] | null {
  const out = graphsLeftOut(v, input);
  if (out === null) return null;
  const used: KnownFinding[] = [];
  for (const g of out.graphs) {
    const f = findings.find((k) => k.leavesOut?.(g, input, out.at) === true);
    if (f === undefined) return null;
    if (!used.includes(f)) used.push(f);
  }
  return used;
}
