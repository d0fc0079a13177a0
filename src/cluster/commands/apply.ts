import { graphAddress, resourceKind, schemaAddress } from "../addresses.ts";
import { classifyChanges, demoteDependentsOfFailedGraphs } from "../classify.ts";
import { type DesiredCluster, type DesiredGraph, sourcePathOf } from "../config/desired.ts";
import { loadDesired } from "../config/load.ts";
import { CLUSTER_STATE_FILE } from "../constants.ts";
import { countErrors, type Diagnostic, error, hasErrors, warning } from "../diagnostics.ts";
import {
  appendEmbeddingProfileChanges,
  appendPolicyBindingChanges,
  approvedResources,
  computeApprovals,
  diffResources,
} from "../diff.ts";
import { sha256Hex } from "../digests.ts";
import {
  applySchema,
  engineInit,
  engineOpen,
  type GraphHandle,
  mainVersionOf,
  previewSchemaApply,
} from "../engine.ts";
import { maybeFail } from "../failpoints.ts";
import type { ApplyOutput } from "../outputs.ts";
import type { FailedGraphOrigin, PlanChange } from "../plan.ts";
import type { ApprovalArtifact } from "../records/approval.ts";
import type { RecoverySidecar, RecoverySidecarKind } from "../records/sidecar.ts";
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
import type { ClusterStore } from "../store/ClusterStore.ts";
import type { StateObservations } from "../store/observations.ts";
import { emptyObservations } from "../store/observations.ts";
import { payloadRelative } from "../store/payloads.ts";
import { markApprovalsConsumed, type SweepOutcome, sweepRecoverySidecars } from "../sweep.ts";
import { type ClusterContext, guarded, planChangeJson, statusesJson } from "./context.ts";
import { storeForOutcome, withLockedLedger } from "./open.ts";
import { rereadSchemaSource, writeResourcePayload } from "./source.ts";

export interface ApplyOptions {
  /** Attributes graph-moving operations: recorded in sidecars and audit, passed to the engine. */
  readonly actor?: string | null;
}

/** Everything one apply run carries from phase to phase. */
interface Run {
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
type PhaseResult = "continue" | "early_return";

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

function graphsToRun(
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

function newSidecar(
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
function skippedAfterAbort(
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

function markFailed(run: Run, graphId: string, origin: FailedGraphOrigin): void {
  run.failed.set(graphId, origin);
  run.aborted = true;
}

function desiredGraph(run: Run, graphId: string): DesiredGraph | undefined {
  return run.desired.graphs.find((g) => g.id === graphId);
}

/** Phase H: graph creates, sidecar-fenced, in address order. */
async function graphCreatePhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  for (const graphId of graphsToRun(run.changes, "graph", "create")) {
    const gAddr = graphAddress(graphId);
    if (skippedAfterAbort(run, graphId, "graph_create", "graph_create_skipped", gAddr)) continue;
    const dg = desiredGraph(run, graphId);
    if (dg === undefined) continue;
    const graphUri = store.graphRoot(graphId);
    const sidecar = newSidecar(run, "graph_create", graphId, {
      desired_schema_digest: dg.schemaDigest,
    });
    const armed = await store.sidecars.write("cluster.sidecar.write", sidecar);
    if (!armed.ok) {
      diagnostics.push(armed.diagnostic);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const sidecarUri = armed.value;
    const beforeCreate = await maybeFail(ctx.proc, "cluster_apply.before_graph_create");
    if (beforeCreate !== null) {
      // The sidecar stays: the next sweep finds no root (row 1) and retires it.
      diagnostics.push(beforeCreate);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const sAddr = schemaAddress(graphId);
    const source = await rereadSchemaSource(
      ctx.workTree,
      sourcePathOf(run.desired, sAddr),
      dg.schemaDigest,
      "graph_create_failed",
      gAddr,
      sAddr,
    );
    if (!source.ok) {
      diagnostics.push(source.diagnostic);
      // Nothing moved: the intent can go now.
      await store.deleteObject("cluster.sidecar.delete_create_unmoved", sidecarUri);
      markFailed(run, graphId, "graph_create");
      continue;
    }
    const init = await engineInit(ctx.proc, store.graphKey(graphId), source.source);
    if (!init.ok) {
      // The sidecar stays: the sweep tells a partial root (row 5) from nothing (row 1).
      diagnostics.push(
        error(
          "graph_create_failed",
          gAddr,
          `could not initialize graph at '${graphUri}': ${init.message}`,
        ),
      );
      markFailed(run, graphId, "graph_create");
      continue;
    }
    // Best effort: pin the post-init version; the sweep classifies by digest regardless.
    const opened = await engineOpen(ctx.proc, store.graphKey(graphId), "read_only");
    if (opened.ok) {
      const version = await mainVersionOf(opened.value);
      if (version !== null) {
        sidecar.expected_manifest_version = version;
        const rewritten = await store.sidecars.write("cluster.sidecar.rewrite", sidecar);
        if (!rewritten.ok) diagnostics.push(rewritten.diagnostic);
      }
    }
    const afterCreate = await maybeFail(ctx.proc, "cluster_apply.after_graph_create");
    if (afterCreate !== null) {
      // The graph exists, the ledger does not know: acknowledge nothing (sweep row 4 next run).
      diagnostics.push(afterCreate);
      // A plausible regression: "roll back" the create by removing the committed graph.
      if (ctx.proc.world.hasDefect("failed-apply-removes-created-graph"))
        await store.deleteGraphRoot(graphUri);
      return "early_return";
    }
    run.completedOpSidecars.push(sidecarUri);
  }
  return "continue";
}

/**
 * The pre-movement proof (spec §4.9): after an engine error, the graph provably did not move
 * iff a fresh read-only open shows the version observed before arming and the recorded
 * schema digest. Any doubt answers false (the sidecar is kept).
 */
async function liveSchemaMatchesRecordedDigest(
  run: Run,
  graphId: string,
  recorded: string | undefined,
  observed: number | null,
): Promise<boolean> {
  if (recorded === undefined || observed === null) return false;
  const opened = await engineOpen(run.ctx.proc, run.store.graphKey(graphId), "read_only");
  if (!opened.ok) return false;
  const version = await mainVersionOf(opened.value);
  if (version === null) return false;
  if (version !== observed && !run.ctx.proc.world.hasDefect("proof-ignores-version")) return false;
  return sha256Hex(opened.value.schemaSource()) === recorded;
}

/** Phase I: schema applies on existing graphs, in address order. */
async function schemaApplyPhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  for (const graphId of graphsToRun(run.changes, "schema", "update")) {
    const sAddr = schemaAddress(graphId);
    if (skippedAfterAbort(run, graphId, "schema_apply", "schema_apply_skipped", sAddr)) continue;
    const dg = desiredGraph(run, graphId);
    if (dg === undefined) continue;
    const graphUri = store.graphRoot(graphId);
    // Read-write: the engine's own recovery runs before the cluster moves the graph.
    const opened = await engineOpen(ctx.proc, store.graphKey(graphId), "read_write");
    if (!opened.ok) {
      diagnostics.push(
        error(
          "schema_apply_failed",
          sAddr,
          `could not open graph at '${graphUri}': ${opened.message}`,
        ),
      );
      markFailed(run, graphId, "schema_apply");
      continue;
    }
    const result = ctx.proc.world.hasDefect("arm-before-preview")
      ? await schemaApplyArmedFirst(run, graphId, dg, opened.value)
      : await schemaApplyPreviewFirst(run, graphId, dg, opened.value);
    if (result === "failed") {
      markFailed(run, graphId, "schema_apply");
      continue;
    }
    const afterApply = await maybeFail(ctx.proc, "cluster_apply.after_schema_apply");
    if (afterApply !== null) {
      // The manifest moved, the ledger does not know: acknowledge nothing (sweep row 3 next run).
      diagnostics.push(afterApply);
      return "early_return";
    }
    run.completedOpSidecars.push(result.sidecarUri);
  }
  return "continue";
}

type SchemaStep = "failed" | { readonly sidecarUri: string };

/**
 * Post-#284: re-read and preview before the sidecar exists, so every rejection the planner
 * can see leaves no recovery work behind; after an engine error, delete the sidecar at once
 * when the graph provably did not move.
 */
async function schemaApplyPreviewFirst(
  run: Run,
  graphId: string,
  dg: DesiredGraph,
  db: GraphHandle,
): Promise<SchemaStep> {
  const { ctx, store, diagnostics } = run;
  const sAddr = schemaAddress(graphId);
  const graphUri = store.graphRoot(graphId);
  const source = await rereadSchemaSource(
    ctx.workTree,
    sourcePathOf(run.desired, sAddr),
    dg.schemaDigest,
    "schema_apply_failed",
    sAddr,
    sAddr,
  );
  if (!source.ok) {
    diagnostics.push(source.diagnostic);
    return "failed";
  }
  const preview = await previewSchemaApply(db, source.source);
  if (!preview.ok) {
    diagnostics.push(
      error(
        "schema_apply_failed",
        sAddr,
        `schema apply is not supported on '${graphUri}': ${preview.message}`,
      ),
    );
    return "failed";
  }
  const observed = await mainVersionOf(db);
  const recorded = run.state.applied_revision.resources.get(sAddr)?.digest;
  const sidecar = newSidecar(run, "schema_apply", graphId, {
    observed_manifest_version: observed,
    desired_schema_digest: dg.schemaDigest,
  });
  const armed = await store.sidecars.write("cluster.sidecar.write", sidecar);
  if (!armed.ok) {
    diagnostics.push(armed.diagnostic);
    return "failed";
  }
  const sidecarUri = armed.value;
  const beforeApply = await maybeFail(ctx.proc, "cluster_apply.before_schema_apply");
  if (beforeApply !== null) {
    // The sidecar stays; the next sweep finds the ledger consistent and retires it.
    diagnostics.push(beforeApply);
    return "failed";
  }
  const applied = await applySchema(db, source.source, run.actor);
  // A plausible misreading of the engine's answer: an empty plan (applied: false) taken as a
  // failure, so an edit that changes no compiled schema can never converge.
  const noop =
    applied.ok && !applied.value.applied && ctx.proc.world.hasDefect("noop-schema-apply-fails");
  if (applied.ok && !noop) {
    await recordExpectedVersion(run, sidecar, applied.value.manifestVersion);
    return { sidecarUri };
  }
  const why = applied.ok ? "the engine applied nothing" : applied.message;
  diagnostics.push(
    error("schema_apply_failed", sAddr, `schema apply failed on '${graphUri}': ${why}`),
  );
  if (await liveSchemaMatchesRecordedDigest(run, graphId, recorded, observed)) {
    if (ctx.proc.world.hasDefect("silent-sidecar-cleanup")) {
      // The review finding on #284: the delete's outcome is discarded.
      await store.deleteObject("cluster.sidecar.delete_unmoved", sidecarUri);
    } else {
      const failure = await store.tryDeleteObject("cluster.sidecar.delete_unmoved", sidecarUri);
      if (failure !== null) {
        diagnostics.push(
          warning(
            "recovery_sidecar_cleanup_failed",
            sidecarUri,
            `could not delete the stale recovery sidecar after a pre-movement schema-apply rejection; graph \`${graphId}\` stays quarantined until a state-mutating cluster command sweeps it: ${failure}`,
          ),
        );
      }
    }
  }
  return "failed";
}

/**
 * The `arm-before-preview` defect: the pre-#284 order. The sidecar is armed right after the
 * open, the source is re-read after the failpoint (deleting the sidecar if that fails), there
 * is no preview, and an engine rejection keeps the sidecar (the recovery-sidecar trap).
 */
async function schemaApplyArmedFirst(
  run: Run,
  graphId: string,
  dg: DesiredGraph,
  db: GraphHandle,
): Promise<SchemaStep> {
  const { ctx, store, diagnostics } = run;
  const sAddr = schemaAddress(graphId);
  const graphUri = store.graphRoot(graphId);
  const observed = await mainVersionOf(db);
  const sidecar = newSidecar(run, "schema_apply", graphId, {
    observed_manifest_version: observed,
    desired_schema_digest: dg.schemaDigest,
  });
  const armed = await store.sidecars.write("cluster.sidecar.write", sidecar);
  if (!armed.ok) {
    diagnostics.push(armed.diagnostic);
    return "failed";
  }
  const sidecarUri = armed.value;
  const beforeApply = await maybeFail(ctx.proc, "cluster_apply.before_schema_apply");
  if (beforeApply !== null) {
    diagnostics.push(beforeApply);
    return "failed";
  }
  const source = await rereadSchemaSource(
    ctx.workTree,
    sourcePathOf(run.desired, sAddr),
    dg.schemaDigest,
    "schema_apply_failed",
    sAddr,
    sAddr,
  );
  if (!source.ok) {
    diagnostics.push(source.diagnostic);
    await store.deleteObject("cluster.sidecar.delete_unmoved", sidecarUri);
    return "failed";
  }
  const applied = await applySchema(db, source.source, run.actor);
  if (applied.ok) {
    await recordExpectedVersion(run, sidecar, applied.value.manifestVersion);
    return { sidecarUri };
  }
  diagnostics.push(
    error("schema_apply_failed", sAddr, `schema apply failed on '${graphUri}': ${applied.message}`),
  );
  return "failed";
}

async function recordExpectedVersion(
  run: Run,
  sidecar: RecoverySidecar,
  version: number,
): Promise<void> {
  sidecar.expected_manifest_version = version;
  const rewritten = await run.store.sidecars.write("cluster.sidecar.rewrite", sidecar);
  if (!rewritten.ok) run.diagnostics.push(rewritten.diagnostic);
}

/** Phase K: content-addressed payload blobs, before the state write that publishes them. */
async function payloadPhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  // Only this phase's errors end the run: a kept row-5 sweep error must still persist.
  const errorsBefore = countErrors(diagnostics);
  for (const c of run.changes) {
    if (c.disposition !== "applied" || c.operation === "delete") continue;
    const kind = resourceKind(c.resource);
    const digest = c.after_digest ?? "";
    if (payloadRelative(kind, digest) === null) continue;
    const sourcePath = sourcePathOf(run.desired, c.resource);
    if (sourcePath === undefined) {
      diagnostics.push(
        error("resource_payload_write_error", c.resource, "no source file recorded for resource"),
      );
      continue;
    }
    const failure = await writeResourcePayload(
      store,
      ctx.workTree,
      kind,
      sourcePath,
      digest,
      c.resource,
      { lossyUtf8: ctx.proc.world.hasDefect("payload-decodes-lossily") },
    );
    if (failure !== null) diagnostics.push(failure);
  }
  if (countErrors(diagnostics) > errorsBefore) return "early_return";
  const afterPayloads = await maybeFail(ctx.proc, "cluster_apply.after_payload_phase");
  if (afterPayloads !== null) {
    diagnostics.push(afterPayloads);
    return "early_return";
  }
  return "continue";
}

/** Phase L: approved graph deletes, last, each under its own sidecar. */
async function graphDeletePhase(run: Run): Promise<PhaseResult> {
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
