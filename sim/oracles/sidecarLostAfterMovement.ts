import type { TraceEvent } from "../../src/world/trace.ts";
import type { GraphView, LedgerView } from "../universe/observe.ts";
import { ROOT_OF } from "../universe/observe.ts";
import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter, stepEvents } from "./Oracle.ts";

/**
 * Whether this step's own graph-moving engine call moved the graph: an init claimed its root,
 * the root was removed, or a schema apply published (its manifest commit after its own staging
 * writes, or its staging promotion). Engine recovery of an earlier operation's residue inside
 * the read-write open can move a graph too, but that movement belongs to the earlier operation.
 */
function ownMovement(events: readonly TraceEvent[], g: string): boolean {
  const root = ROOT_OF(g);
  let staged = false;
  for (const e of events) {
    if (e.t !== "call" || e.step === undefined || e.result.startsWith("error")) continue;
    if (e.key !== root && !e.key.startsWith(`${root}/`)) continue;
    if (e.step === "engine.init.claim_schema_pg" || e.step === "cluster.graph.delete_root")
      return true;
    if (e.step === "engine.schema_apply.promote_staging") return true;
    if (e.step.startsWith("engine.schema_apply.staging_write_")) staged = true;
    if (staged && e.step === "engine.manifest.commit") return true;
  }
  return false;
}

const NAME = "sidecar-lost-after-movement";
const CODES = ["movement_without_sidecar"] as const;
const report = reporter(NAME, CODES);

function moved(a: GraphView | undefined, b: GraphView | undefined): boolean {
  if (!a || !b) return false;
  return (
    a.exists !== b.exists || a.mainVersion !== b.mainVersion || a.schemaDigest !== b.schemaDigest
  );
}

/** The ledger accounts for the graph as it observably is, with no schema change pending. */
function accounted(g: string, view: GraphView, ledger: LedgerView | null): boolean {
  const hasGraph = ledger?.resources[`graph.${g}`] !== undefined;
  if (!view.exists) return !hasGraph;
  if (!hasGraph) return false;
  const recorded = ledger?.resources[`schema.${g}`]?.digest;
  // A leftover engine sidecar alone is harmless (the engine's own best-effort cleanup after a
  // completed apply); pending staging means the graph will still change at its next open.
  return recorded === view.schemaDigest && !view.staging;
}

/**
 * Once an apply moved a graph (created, migrated or deleted it, even partly) and the ledger
 * does not yet account for the graph as it now is, a recovery sidecar naming the graph must
 * exist: it is the only record that the movement happened, and the sweep needs it to roll the
 * ledger forward. Holds whether the apply returned an error or died.
 */
export const sidecarLostAfterMovement: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "a graph moved by an interrupted apply keeps its recovery sidecar until a sweep reconciles it",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      if (r.step.op !== "apply" || (r.outcome.kind !== "apply" && r.outcome.kind !== "died"))
        continue;
      const events = stepEvents(input, r);
      for (const [g, post] of Object.entries(r.post.graphs)) {
        if (!moved(r.pre.graphs[g], post) || !ownMovement(events, g)) continue;
        if (accounted(g, post, r.post.ledger)) continue;
        if (r.post.sidecars.some((s) => s.graphId === g)) continue;
        out.push(
          report(
            "movement_without_sidecar",
            r.index,
            `a recovery sidecar for '${g}', whose graph moved while the ledger does not account for it`,
            `no sidecar; graph ${JSON.stringify({ exists: post.exists, version: post.mainVersion, staging: post.staging, engineSidecars: post.engineSidecars })}, ledger schema digest ${String(r.post.ledger?.resources[`schema.${g}`]?.digest ?? "none").slice(0, 12)}`,
          ),
        );
      }
    }
    return out;
  },
};
