import { graphAddress, graphIdOf, resourceKind } from "./addresses.ts";
import type { Dependency } from "./config/desired.ts";
import type { ApplyDisposition, FailedGraphOrigin, PlanChange } from "./plan.ts";

type Verdict = readonly [ApplyDisposition, string | null];

const APPLIED: Verdict = ["applied", null];
const RECOVERY_PENDING: Verdict = ["blocked", "cluster_recovery_pending"];
const APPROVAL_REQUIRED: Verdict = ["blocked", "approval_required"];
const UNSUPPORTED: Verdict = ["deferred", "apply_unsupported_kind"];

function bindsPendingGraph(
  resource: string,
  dependencies: readonly Dependency[],
  graphs: ReadonlySet<string>,
): boolean {
  return dependencies.some((d) => {
    const graphId = graphIdOf(d.to);
    return d.from === resource && graphId !== null && graphs.has(graphId);
  });
}

/**
 * The disposition matrix of spec §2.6 (first match wins per row). `pending` are graphs the
 * recovery sweep kept a sidecar for; `approved` are resources with a matching approval.
 */
export function classifyChanges(
  changes: PlanChange[],
  dependencies: readonly Dependency[],
  pending: ReadonlySet<string>,
  approved: ReadonlySet<string>,
): void {
  const schemaCreates = new Set<string>();
  const schemaPending = new Set<string>();
  const graphCreates = new Set<string>();
  const graphDeletes = new Set<string>();
  for (const c of changes) {
    const k = resourceKind(c.resource);
    if (k.kind === "schema") {
      if (c.operation === "create") schemaCreates.add(k.graph);
      // Schema updates execute in-run and no longer hold dependents back; deletes still do.
      if (c.operation === "delete") schemaPending.add(k.graph);
    } else if (k.kind === "graph") {
      if (c.operation === "create") graphCreates.add(k.graph);
      if (c.operation === "delete") graphDeletes.add(k.graph);
    }
  }
  // A schema create rides its graph's init; without one it stays pending.
  for (const g of schemaCreates) if (!graphCreates.has(g)) schemaPending.add(g);
  const ridesDelete = (g: string) =>
    graphDeletes.has(g) && approved.has(graphAddress(g)) && !pending.has(g);

  for (const c of changes) {
    const k = resourceKind(c.resource);
    let v: Verdict;
    switch (k.kind) {
      case "schema":
        if (c.operation === "create" && graphCreates.has(k.graph) && !pending.has(k.graph))
          v = APPLIED;
        else if (c.operation === "update" && !pending.has(k.graph)) v = APPLIED;
        // Also where a standalone schema create lands, reason reused (spec A.9).
        else if (c.operation !== "delete") v = RECOVERY_PENDING;
        else if (graphDeletes.has(k.graph)) {
          v = ridesDelete(k.graph)
            ? APPLIED
            : pending.has(k.graph)
              ? RECOVERY_PENDING
              : APPROVAL_REQUIRED;
        } else v = UNSUPPORTED;
        break;
      case "graph":
        if (c.operation === "create") v = pending.has(k.graph) ? RECOVERY_PENDING : APPLIED;
        else if (c.operation === "update")
          v = schemaPending.has(k.graph) ? UNSUPPORTED : ["derived", null];
        else
          v = pending.has(k.graph)
            ? RECOVERY_PENDING
            : ridesDelete(k.graph)
              ? APPLIED
              : APPROVAL_REQUIRED;
        break;
      case "query":
        if (c.operation === "delete") {
          v = ridesDelete(k.graph)
            ? APPLIED
            : graphDeletes.has(k.graph)
              ? APPROVAL_REQUIRED
              : APPLIED;
        } else if (pending.has(k.graph)) v = RECOVERY_PENDING;
        else if (schemaPending.has(k.graph)) v = ["blocked", "dependency_not_applied"];
        // A graph create in the same plan does not block: creates run first in the same apply.
        else v = APPLIED;
        break;
      case "policy":
        v =
          c.operation !== "delete" && bindsPendingGraph(c.resource, dependencies, pending)
            ? RECOVERY_PENDING
            : APPLIED;
        break;
      case "embedding_provider":
        v = APPLIED;
        break;
      case "unknown":
        v = UNSUPPORTED;
        break;
    }
    c.disposition = v[0];
    if (v[1] === null) delete c.reason;
    else c.reason = v[1];
  }
}

/**
 * After a graph-moving operation failed, every still-applied change that depended on that
 * graph becomes blocked, so output and persisted statuses say what actually ran. Derived
 * changes are never demoted.
 */
export function demoteDependentsOfFailedGraphs(
  changes: PlanChange[],
  failed: ReadonlyMap<string, FailedGraphOrigin>,
  dependencies: readonly Dependency[],
): void {
  for (const c of changes) {
    if (c.disposition !== "applied") continue;
    const k = resourceKind(c.resource);
    let reason: string | null = null;
    if (k.kind === "graph") {
      const o = failed.get(k.graph);
      if (o === "graph_create") reason = "graph_create_failed";
      else if (o === "graph_delete") reason = "graph_delete_failed";
      else if (o === "schema_apply") reason = "dependency_not_applied";
    } else if (k.kind === "schema") {
      const o = failed.get(k.graph);
      if (o === "schema_apply") reason = "schema_apply_failed";
      else if (o !== undefined) reason = "dependency_not_applied";
    } else if (k.kind === "query") {
      if (failed.has(k.graph)) reason = "dependency_not_applied";
    } else if (k.kind === "policy") {
      const failedGraphs = new Set(failed.keys());
      if (bindsPendingGraph(c.resource, dependencies, failedGraphs))
        reason = "dependency_not_applied";
    }
    if (reason !== null) {
      c.disposition = "blocked";
      c.reason = reason;
    }
  }
}
