import { classifyChanges, demoteDependentsOfFailedGraphs } from "../classify.ts";
import type { DesiredCluster } from "../config/desired.ts";
import { loadDesired } from "../config/load.ts";
import { CLUSTER_STATE_FILE } from "../constants.ts";
import { error, hasErrors, warning } from "../diagnostics.ts";
import {
  appendEmbeddingProfileChanges,
  appendPolicyBindingChanges,
  approvedResources,
  computeApprovals,
  diffResources,
} from "../diff.ts";
import { maybeFail } from "../failpoints.ts";
import type { ApplyOutput } from "../outputs.ts";
import type { PlanChange } from "../plan.ts";
import {
  type ClusterState,
  cloneState,
  type StateResource,
  stateFingerprint,
  stateResourceDigests,
} from "../records/state.ts";
import type { ResourceStatusRecord } from "../records/status.ts";
import {
  recomputeStateGraphDigests,
  recordApprovalConsumed,
  setStatus,
  setStatusApplied,
  tombstoneGraphSubtree,
} from "../stateOps.ts";
import { emptyObservations } from "../store/observations.ts";
import { markApprovalsConsumed, type SweepOutcome, sweepRecoverySidecars } from "../sweep.ts";
import { graphCreatePhase } from "./apply/createPhase.ts";
import { graphDeletePhase } from "./apply/deletePhase.ts";
import { payloadPhase } from "./apply/payloadPhase.ts";
import type { Run } from "./apply/run.ts";
import { schemaApplyPhase } from "./apply/schemaPhase.ts";
import { type ClusterContext, guarded, planChangeJson, statusesJson } from "./context.ts";
import { storeForOutcome, withLockedLedger } from "./open.ts";

export interface ApplyOptions {
  /** Attributes graph-moving operations: recorded in sidecars and audit, passed to the engine. */
  readonly actor?: string | null;
}

/**
 * `cluster apply` (spec §2, post-#284 order): load, lock, read state, sweep, plan and
 * classify, then graph creates, schema applies, payloads, approved graph deletes, one CAS
 * state write, and post-write cleanup. The lock is released on every exit path; a real
 * death leaves it behind (the release is refused once the process is dead).
 */
export async function apply(ctx: ClusterContext, options: ApplyOptions = {}): Promise<ApplyOutput> {
  const actor = options.actor ?? null;
  return guarded(
    () => applyInner(ctx, actor),
    (diag) => ({
      ok: false,
      config_dir: ctx.configDir,
      ...(actor === null ? {} : { actor }),
      desired_revision: {},
      state_observations: emptyObservations(),
      changes: [],
      applied_count: 0,
      deferred_count: 0,
      converged: false,
      state_written: false,
      resource_statuses: {},
      diagnostics: [diag],
    }),
  );
}

async function applyInner(ctx: ClusterContext, actor: string | null): Promise<ApplyOutput> {
  const outcome = await loadDesired(ctx.workTree, ctx.configDir);
  const diagnostics = outcome.diagnostics;
  const store = storeForOutcome(ctx, outcome, diagnostics);
  const obs = store.observations();
  const desired = outcome.desired;

  const early = (
    changes: readonly PlanChange[],
    statuses: ReadonlyMap<string, ResourceStatusRecord>,
  ): ApplyOutput => ({
    ok: !hasErrors(diagnostics),
    config_dir: outcome.configDir,
    ...(actor === null ? {} : { actor }),
    desired_revision: desired === null ? {} : { config_digest: desired.configDigest },
    state_observations: obs,
    changes: changes.map(planChangeJson),
    applied_count: 0,
    deferred_count: 0,
    converged: false,
    state_written: false,
    resource_statuses: statusesJson(statuses),
    diagnostics,
  });

  // Phase A: an invalid config returns before the lock; the store is never touched.
  if (desired === null || hasErrors(diagnostics)) return early([], new Map());

  return withLockedLedger(
    {
      store,
      stateLock: desired.stateLock,
      operation: "apply",
      verb: "wrote state",
      obs,
      diagnostics,
    },
    () => early([], new Map()),
    async (ledger) => {
      const state = ledger.state;
      if (state === null) {
        diagnostics.push(
          error(
            "state_missing",
            CLUSTER_STATE_FILE,
            "apply requires an existing state.json; run `cluster import` to bootstrap state",
          ),
        );
        return early([], new Map());
      }
      // Taken before the sweep, so sweep mutations count as changes and get persisted.
      const before = ledger.fingerprint ?? stateFingerprint(state);

      // Phase E.
      const sweep = await sweepRecoverySidecars(store, state, diagnostics);

      // Phase F.
      const changes = diffResources(stateResourceDigests(state), desired.resourceDigests);
      appendMetadataChanges(ctx, changes, state, desired);
      const approvalArtifacts = await store.approvals.list(diagnostics);
      const approved = approvedResources(
        approvalArtifacts,
        changes,
        desired.configDigest,
        diagnostics,
      );
      classifyChanges(changes, desired.dependencies, sweep.pendingGraphs, approved);

      // Phase G: defensive; unreachable with the classifier above.
      const gates = computeApprovals(changes, approved);
      const violation = changes.some(
        (c) =>
          c.disposition === "applied" &&
          gates.some((g) => g.resource === c.resource && !g.satisfied),
      );
      if (violation) {
        diagnostics.push(
          error(
            "apply_approval_invariant_violation",
            "changes",
            "an executable change requires approval; refusing to apply",
          ),
        );
        return early(changes, state.resource_statuses);
      }

      const run: Run = {
        ctx,
        store,
        desired,
        state,
        changes,
        diagnostics,
        obs,
        actor,
        expectedCas: ledger.stateCas,
        approvalArtifacts,
        failed: new Map(),
        aborted: false,
        completedOpSidecars: [],
        executedDeletes: [],
        consumedApprovalIds: [],
      };

      if ((await graphCreatePhase(run)) === "early_return")
        return early(changes, state.resource_statuses);
      if ((await schemaApplyPhase(run)) === "early_return")
        return early(changes, state.resource_statuses);

      // Phase J.
      if (run.failed.size > 0)
        demoteDependentsOfFailedGraphs(changes, run.failed, desired.dependencies);
      for (const c of changes) {
        if (c.disposition === "deferred") {
          diagnostics.push(
            warning(
              "apply_unsupported_change",
              c.resource,
              "graph/schema changes are not applied in this stage; they are deferred to the graph-lifecycle phase",
            ),
          );
        } else if (c.disposition === "blocked") {
          diagnostics.push(
            warning(
              "apply_dependency_blocked",
              c.resource,
              `blocked by an unapplied or missing dependency (${c.reason ?? "dependency"})`,
            ),
          );
        }
      }

      if ((await payloadPhase(run)) === "early_return")
        return early(changes, state.resource_statuses);
      if ((await graphDeletePhase(run)) === "early_return")
        return early(changes, state.resource_statuses);
      if (run.failed.size > 0)
        demoteDependentsOfFailedGraphs(changes, run.failed, desired.dependencies);

      // Phase M.
      const { next, converged } = computeNewState(run);

      // Phase N: one CAS write, only when the ledger JSON changed.
      let stateWritten = false;
      let writeFailed = false;
      if (stateFingerprint(next) !== before) {
        if (!ctx.proc.world.hasDefect("revision-not-bumped")) next.state_revision += 1;
        // An injected error here is a failed write; a callback may race a concurrent writer.
        const injected = await maybeFail(ctx.proc, "cluster_apply.before_state_write");
        const failure = injected ?? (await store.ledger.write(next, run.expectedCas, obs));
        if (failure === null || ctx.proc.world.hasDefect("swallow-state-write-error"))
          stateWritten = true;
        else {
          diagnostics.push(failure);
          writeFailed = true;
        }
      }

      // Phase O: retire what the ledger now records; on a failed write everything stays for
      // the next sweep.
      if (!writeFailed) await postWriteCleanup(run, sweep);

      return {
        ok: !hasErrors(diagnostics),
        config_dir: outcome.configDir,
        ...(actor === null ? {} : { actor }),
        desired_revision: { config_digest: desired.configDigest },
        state_observations: obs,
        changes: changes.map(planChangeJson),
        applied_count: changes.filter((c) => c.disposition === "applied").length,
        deferred_count: changes.filter(
          (c) => c.disposition === "deferred" || c.disposition === "blocked",
        ).length,
        converged,
        state_written: stateWritten,
        resource_statuses: statusesJson(
          writeFailed ? state.resource_statuses : next.resource_statuses,
        ),
        diagnostics,
      };
    },
  );
}

/**
 * Metadata the digests do not cover: policy bindings, and (since #284) embedding profiles.
 * The `no-embedding-backfill` defect restores the pre-#284 apply that never noticed a ledger
 * missing a profile.
 */
function appendMetadataChanges(
  ctx: ClusterContext,
  changes: PlanChange[],
  state: ClusterState,
  desired: DesiredCluster,
): void {
  appendPolicyBindingChanges(changes, state, desired);
  if (!ctx.proc.world.hasDefect("no-embedding-backfill")) {
    appendEmbeddingProfileChanges(changes, state, desired);
  }
}

/** Phase M: the new ledger from the post-sweep one, and whether it matches the desired revision. */
function computeNewState(run: Run): { next: ClusterState; converged: boolean } {
  const { ctx, desired } = run;
  const next = cloneState(run.state);
  const resources = next.applied_revision.resources;
  for (const c of run.changes) {
    if (c.disposition === "applied") {
      if (c.operation === "delete") {
        resources.delete(c.resource);
        next.resource_statuses.delete(c.resource);
      } else {
        const entry: {
          digest: string;
          applies_to?: readonly string[];
          embedding_profile?: StateResource["embedding_profile"];
        } = {
          digest: c.after_digest ?? "",
        };
        const bindings = desired.policyBindings.get(c.resource);
        if (bindings !== undefined) entry.applies_to = [...bindings];
        const profile = desired.embeddingProviders.get(c.resource);
        if (profile !== undefined) entry.embedding_profile = profile;
        resources.set(c.resource, entry);
        setStatusApplied(next, c.resource);
      }
    } else if (c.disposition === "blocked" && c.reason !== "cluster_recovery_pending") {
      // Blocked-for-recovery statuses belong to the sweep and are left alone.
      setStatus(
        next,
        c.resource,
        "blocked",
        c.reason ?? "dependency_not_applied",
        "waiting on an unapplied or missing dependency",
      );
    }
  }
  const now = ctx.proc.world.clock.nowIso();
  for (const [graphId, approvalId] of run.executedDeletes) {
    tombstoneGraphSubtree(next, graphId, approvalId, run.actor, now);
    if (approvalId !== null) recordApprovalConsumed(next, approvalId, "apply", now);
  }
  recomputeStateGraphDigests(next, desired);

  const residual = diffResources(stateResourceDigests(next), desired.resourceDigests);
  appendMetadataChanges(ctx, residual, next, desired);
  const converged = residual.length === 0;
  if (converged) next.applied_revision.config_digest = desired.configDigest;
  return { next, converged };
}

async function postWriteCleanup(run: Run, sweep: SweepOutcome): Promise<void> {
  for (const uri of [...sweep.completedSidecars, ...run.completedOpSidecars]) {
    await run.store.deleteObject("cluster.sidecar.delete_completed", uri);
  }
  await markApprovalsConsumed(run.store, [...sweep.consumedApprovals, ...run.consumedApprovalIds]);
}
