import { schemaAddress } from "../../addresses.ts";
import { type DesiredGraph, sourcePathOf } from "../../config/desired.ts";
import { error, warning } from "../../diagnostics.ts";
import { sha256Hex } from "../../digests.ts";
import {
  applySchema,
  engineOpen,
  type GraphHandle,
  mainVersionOf,
  previewSchemaApply,
} from "../../engine.ts";
import { maybeFail } from "../../failpoints.ts";
import type { RecoverySidecar } from "../../records/sidecar.ts";
import { rereadSchemaSource } from "../source.ts";

import {
  desiredGraph,
  graphsToRun,
  markFailed,
  newSidecar,
  type PhaseResult,
  type Run,
  skippedAfterAbort,
} from "./run.ts";

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
export async function schemaApplyPhase(run: Run): Promise<PhaseResult> {
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
