/**
 * One `cluster apply` run as its phases share it (src/cluster/commands/apply.ts drives them):
 * what the run carries, and the small helpers every phase uses.
 */
import { resourceKind } from "../../addresses.ts";
import type { DesiredCluster, DesiredGraph } from "../../config/desired.ts";
import { type Diagnostic, warning } from "../../diagnostics.ts";
import type { FailedGraphOrigin, PlanChange } from "../../plan.ts";
import type { ApprovalArtifact } from "../../records/approval.ts";
import type { RecoverySidecar, RecoverySidecarKind } from "../../records/sidecar.ts";
import type { ClusterState } from "../../records/state.ts";
import type { ClusterStore } from "../../store/ClusterStore.ts";
import type { StateObservations } from "../../store/observations.ts";
import type { ClusterContext } from "../context.ts";

/** Everything one apply run carries from phase to phase. */
export interface Run {
  readonly ctx: ClusterContext;
  readonly store: ClusterStore;
  readonly desired: DesiredCluster;
  readonly state: ClusterState;
  readonly changes: PlanChange[];
  readonly diagnostics: Diagnostic[];
  readonly obs: StateObservations;
  readonly actor: string | null;
  readonly expectedCas: string | null;
  readonly approvalArtifacts: ReadonlyArray<readonly [string, ApprovalArtifact]>;
  readonly failed: Map<string, FailedGraphOrigin>;
  /** Once a graph-moving operation fails, every later one in the run is skipped. */
  aborted: boolean;
  /** Sidecars of this run's completed operations, retired only after the state write. */
  readonly completedOpSidecars: string[];
  readonly executedDeletes: Array<readonly [string, string | null]>;
  readonly consumedApprovalIds: string[];
}

/** A phase either carries on, or ends the run early: no state write, nothing retired. */
export type PhaseResult = "continue" | "early_return";

export function graphsToRun(
  changes: readonly PlanChange[],
  kind: "graph" | "schema",
  op: PlanChange["operation"],
): string[] {
  const out: string[] = [];
  for (const c of changes) {
    if (c.disposition !== "applied" || c.operation !== op) continue;
    const k = resourceKind(c.resource);
    if (k.kind === kind) out.push(k.graph);
  }
  return out;
}

export function newSidecar(
  run: Run,
  kind: RecoverySidecarKind,
  graphId: string,
  fields: Partial<
    Pick<RecoverySidecar, "observed_manifest_version" | "desired_schema_digest" | "approval_id">
  >,
): RecoverySidecar {
  const proc = run.ctx.proc;
  return {
    schema_version: 1,
    operation_id: proc.world.ids.ulid(),
    started_at: proc.world.clock.nowIso(),
    actor: run.actor,
    kind,
    graph_id: graphId,
    graph_uri: run.store.graphRoot(graphId),
    observed_manifest_version: fields.observed_manifest_version ?? null,
    expected_manifest_version: null,
    desired_schema_digest: fields.desired_schema_digest ?? "",
    state_cas_base: run.expectedCas,
    approval_id: fields.approval_id ?? null,
  };
}

/**
 * Once a graph-moving operation failed, the run moves no other graph: each later one is
 * skipped with a warning and counted as failed (so its dependents are demoted too).
 */
export function skippedAfterAbort(
  run: Run,
  graphId: string,
  origin: FailedGraphOrigin,
  code: "graph_create_skipped" | "schema_apply_skipped" | "graph_delete_skipped",
  address: string,
): boolean {
  if (!run.aborted) return false;
  run.diagnostics.push(
    warning(
      code,
      address,
      origin === "graph_create"
        ? "skipped after an earlier graph create failed in this run"
        : "skipped after an earlier graph-moving operation failed in this run",
    ),
  );
  run.failed.set(graphId, origin);
  return true;
}

export function markFailed(run: Run, graphId: string, origin: FailedGraphOrigin): void {
  run.failed.set(graphId, origin);
  run.aborted = true;
}

export function desiredGraph(run: Run, graphId: string): DesiredGraph | undefined {
  return run.desired.graphs.find((g) => g.id === graphId);
}
