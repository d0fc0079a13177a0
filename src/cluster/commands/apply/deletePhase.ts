import { graphAddress } from "../../addresses.ts";
import { error } from "../../diagnostics.ts";
import { engineOpen, mainVersionOf } from "../../engine.ts";
import { maybeFail } from "../../failpoints.ts";

import {
  graphsToRun,
  markFailed,
  newSidecar,
  type PhaseResult,
  type Run,
  skippedAfterAbort,
} from "./run.ts";
/** Phase L: approved graph deletes, last, each under its own sidecar. */
export async function graphDeletePhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  for (const graphId of graphsToRun(run.changes, "graph", "delete")) {
    const gAddr = graphAddress(graphId);
    if (skippedAfterAbort(run, graphId, "graph_delete", "graph_delete_skipped", gAddr)) continue;
    const approvalId =
      run.approvalArtifacts
        .map(([, a]) => a)
        .find(
          (a) =>
            a.consumed_at === null &&
            a.resource === gAddr &&
            a.bound_config_digest === run.desired.configDigest,
        )?.approval_id ?? null;
    const graphUri = store.graphRoot(graphId);
    // Partial or unopenable roots are still deleted; they just have no observed version.
    const opened = await engineOpen(ctx.proc, store.graphKey(graphId), "read_only");
    const observed = opened.ok ? await mainVersionOf(opened.value) : null;
    const sidecar = newSidecar(run, "graph_delete", graphId, {
      observed_manifest_version: observed,
      approval_id: approvalId,
    });
    const armed = await store.sidecars.write("cluster.sidecar.write", sidecar);
    if (!armed.ok) {
      diagnostics.push(armed.diagnostic);
      markFailed(run, graphId, "graph_delete");
      continue;
    }
    const beforeDelete = await maybeFail(ctx.proc, "cluster_apply.before_graph_delete");
    if (beforeDelete !== null) {
      // Row 8 next run retires the intent; the still-valid approval lets a later run retry.
      diagnostics.push(beforeDelete);
      markFailed(run, graphId, "graph_delete");
      continue;
    }
    const failure = await store.deleteGraphRoot(graphUri);
    if (failure !== null) {
      diagnostics.push(
        error(
          "graph_delete_failed",
          gAddr,
          `could not remove graph root '${graphUri}': ${failure}`,
        ),
      );
      markFailed(run, graphId, "graph_delete");
      continue;
    }
    const afterDelete = await maybeFail(ctx.proc, "cluster_apply.after_graph_delete");
    if (afterDelete !== null) {
      // The root is gone, the ledger does not know: row 7b next run rolls forward.
      diagnostics.push(afterDelete);
      return "early_return";
    }
    run.executedDeletes.push([graphId, approvalId]);
    if (approvalId !== null) run.consumedApprovalIds.push(approvalId);
    run.completedOpSidecars.push(armed.value);
  }
  return "continue";
}
