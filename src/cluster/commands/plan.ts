import { resourceKind } from "../addresses.ts";
import { classifyChanges } from "../classify.ts";
import { sourcePathOf } from "../config/desired.ts";
import { loadDesired } from "../config/load.ts";
import { errorText, hasErrors, warning } from "../diagnostics.ts";
import {
  appendEmbeddingProfileChanges,
  appendPolicyBindingChanges,
  approvedResources,
  computeApprovals,
  computeBlastRadius,
  diffResources,
} from "../diff.ts";
import { engineOpen, previewSchemaApply } from "../engine.ts";
import type { PlanOutput } from "../outputs.ts";
import type { PlanChange } from "../plan.ts";
import { type ClusterState, stateResourceDigests } from "../records/state.ts";
import type { ClusterStore } from "../store/ClusterStore.ts";
import { emptyObservations } from "../store/observations.ts";
import { warnPendingRecoverySidecars } from "../sweep.ts";
import {
  type ClusterContext,
  dependenciesJson,
  digestsJson,
  guarded,
  planChangeJson,
} from "./context.ts";
import { storeForOutcome, withLockedLedger } from "./open.ts";

/**
 * `cluster plan`: the changes apply would make, with dispositions, blast radius, approval
 * gates, and (for schema updates) the engine's migration preview. Takes the lock (when on),
 * never sweeps and never writes: pending sidecars are only reported.
 */
export async function plan(ctx: ClusterContext): Promise<PlanOutput> {
  return guarded(
    () => planInner(ctx),
    (diag) => ({
      ok: false,
      config_dir: ctx.configDir,
      desired_revision: {},
      resource_digests: {},
      dependencies: [],
      state_observations: emptyObservations(),
      changes: [],
      blast_radius: [],
      approvals_required: [],
      diagnostics: [diag],
    }),
  );
}

async function planInner(ctx: ClusterContext): Promise<PlanOutput> {
  const outcome = await loadDesired(ctx.workTree, ctx.configDir);
  const diagnostics = outcome.diagnostics;
  const store = storeForOutcome(ctx, outcome, diagnostics);
  const obs = store.observations();
  const desired = outcome.desired;
  const base = {
    config_dir: outcome.configDir,
    resource_digests: desired === null ? {} : digestsJson(desired.resourceDigests),
    dependencies: desired === null ? [] : dependenciesJson(desired.dependencies),
  };
  const early = (): PlanOutput => ({
    ok: false,
    config_dir: base.config_dir,
    desired_revision: desired === null ? {} : { config_digest: desired.configDigest },
    resource_digests: base.resource_digests,
    dependencies: base.dependencies,
    state_observations: obs,
    changes: [],
    blast_radius: [],
    approvals_required: [],
    diagnostics,
  });
  if (desired === null || hasErrors(diagnostics)) return early();

  // A held lock or an unreadable ledger is reported and a plan is still made: no changes,
  // but the approvals are still listed, as upstream does.
  const planFrom = async (priorState: ClusterState | null): Promise<PlanOutput> => {
    const changes: PlanChange[] = hasErrors(diagnostics)
      ? []
      : diffResources(
          priorState === null ? new Map() : stateResourceDigests(priorState),
          desired.resourceDigests,
        );
    if (!hasErrors(diagnostics)) {
      appendPolicyBindingChanges(changes, priorState, desired);
      // The `no-embedding-backfill` defect is pre-#284, where plan had no such pass either.
      if (!ctx.proc.world.hasDefect("no-embedding-backfill")) {
        appendEmbeddingProfileChanges(changes, priorState, desired);
      }
    }
    const artifacts = await store.approvals.list(diagnostics);
    const approved = approvedResources(artifacts, changes, desired.configDigest, diagnostics);
    // Plan previews dispositions without sweeping: nothing is pending here.
    classifyChanges(changes, desired.dependencies, new Set(), approved);

    for (const change of changes) {
      if (change.operation !== "update") continue;
      const kind = resourceKind(change.resource);
      if (kind.kind !== "schema") continue;
      const preview = await previewMigration(
        ctx,
        store,
        kind.graph,
        sourcePathOf(desired, change.resource),
      );
      if (preview.ok) change.migration = preview.value;
      else {
        diagnostics.push(
          warning(
            "schema_preview_unavailable",
            change.resource,
            `could not preview the schema migration: ${preview.message}`,
          ),
        );
      }
    }

    return {
      ok: !hasErrors(diagnostics),
      config_dir: base.config_dir,
      desired_revision: { config_digest: desired.configDigest },
      resource_digests: base.resource_digests,
      dependencies: base.dependencies,
      state_observations: obs,
      changes: changes.map(planChangeJson),
      blast_radius: computeBlastRadius(changes, desired.dependencies),
      approvals_required: computeApprovals(changes, approved),
      diagnostics,
    };
  };
  return withLockedLedger(
    {
      store,
      stateLock: desired.stateLock,
      operation: "plan",
      verb: "read state",
      obs,
      diagnostics,
    },
    () => planFrom(null),
    (ledger) => planFrom(ledger.state),
    () => warnPendingRecoverySidecars(store, diagnostics),
  );
}

/** The data-aware preview: the engine's plan for the desired source against the live graph, read-only. */
async function previewMigration(
  ctx: ClusterContext,
  store: ClusterStore,
  graphId: string,
  sourcePath: string | undefined,
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  if (sourcePath === undefined) return { ok: false, message: "no schema source recorded" };
  let source: string;
  try {
    source = await ctx.workTree.readText(sourcePath);
  } catch (e) {
    return { ok: false, message: errorText(e) };
  }
  const opened = await engineOpen(ctx.proc, store.graphKey(graphId), "read_only");
  if (!opened.ok) return opened;
  return previewSchemaApply(opened.value, source);
}
