import { loadDesired } from "../config/load.ts";
import { CLUSTER_STATE_FILE } from "../constants.ts";
import { error, hasErrors } from "../diagnostics.ts";
import { computeApprovals, diffResources } from "../diff.ts";
import type { ApproveOutput } from "../outputs.ts";
import type { ApprovalArtifact } from "../records/approval.ts";
import { stateResourceDigests } from "../records/state.ts";
import { type ClusterContext, guarded } from "./context.ts";
import { storeForOutcome, withLockedLedger } from "./open.ts";

/**
 * `cluster approve <resource>`: records a digest-bound approval for a currently planned,
 * gated change (graph deletes; schema deletes whose graph stays). Config or state drift
 * invalidates it, so a stale approval can never authorize a different change.
 */
export async function approve(
  ctx: ClusterContext,
  resource: string,
  approvedBy: string,
): Promise<ApproveOutput> {
  return guarded(
    () => approveInner(ctx, resource, approvedBy),
    (diag) => ({ ok: false, config_dir: ctx.configDir, diagnostics: [diag] }),
  );
}

async function approveInner(
  ctx: ClusterContext,
  resource: string,
  approvedBy: string,
): Promise<ApproveOutput> {
  const outcome = await loadDesired(ctx.workTree, ctx.configDir);
  const diagnostics = outcome.diagnostics;
  const store = storeForOutcome(ctx, outcome, diagnostics);
  const obs = store.observations();
  const fail = (): ApproveOutput => ({ ok: false, config_dir: outcome.configDir, diagnostics });
  const desired = outcome.desired;
  if (desired === null || hasErrors(diagnostics)) return fail();

  return withLockedLedger(
    { store, stateLock: desired.stateLock, operation: "approve", verb: "ran", obs, diagnostics },
    fail,
    async (ledger) => {
      const state = ledger.state;
      if (state === null) {
        diagnostics.push(
          error(
            "state_missing",
            CLUSTER_STATE_FILE,
            "approve requires an existing state.json; run `cluster import` first",
          ),
        );
        return fail();
      }
      const changes = diffResources(stateResourceDigests(state), desired.resourceDigests);
      const gates = computeApprovals(changes, new Set());
      const gate = gates.find((g) => g.resource === resource);
      const change = changes.find((c) => c.resource === resource);
      if (gate === undefined || change === undefined) {
        diagnostics.push(
          error(
            "approval_not_required",
            resource,
            "no pending change for this resource requires approval (check `cluster plan`)",
          ),
        );
        return fail();
      }
      const artifact: ApprovalArtifact = {
        schema_version: 1,
        approval_id: ctx.proc.world.ids.ulid(),
        resource: change.resource,
        operation: change.operation,
        reason: gate.reason,
        bound_config_digest: desired.configDigest,
        bound_before_digest: change.before_digest ?? null,
        bound_after_digest: change.after_digest ?? null,
        approved_by: approvedBy,
        created_at: ctx.proc.world.clock.nowIso(),
        consumed_at: null,
        consumed_by_operation: null,
      };
      const written = await store.approvals.write("cluster.approval.write", artifact);
      if (!written.ok) {
        diagnostics.push(written.diagnostic);
        return fail();
      }
      return {
        ok: !hasErrors(diagnostics),
        config_dir: outcome.configDir,
        approval_id: artifact.approval_id,
        resource: artifact.resource,
        operation: change.operation,
        approved_by: artifact.approved_by,
        diagnostics,
      };
    },
  );
}
