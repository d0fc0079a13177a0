import { graphAddress, schemaAddress } from "./addresses.ts";
import { type Diagnostic, error, warning } from "./diagnostics.ts";
import { sha256Hex } from "./digests.ts";
import { engineOpen, type GraphHandle, type Outcome } from "./engine.ts";
import type { RecoverySidecar } from "./records/sidecar.ts";
import type { ClusterState } from "./records/state.ts";
import {
  recordApprovalConsumed,
  rollForwardSchema,
  setStatus,
  tombstoneGraphSubtree,
} from "./stateOps.ts";
import type { ClusterStore } from "./store/ClusterStore.ts";

export interface SweepOutcome {
  /** Graphs whose sidecar was kept: graph-moving and dependent work for them is blocked. */
  readonly pendingGraphs: Set<string>;
  /** Sidecar URIs whose outcome the ledger now records; deleted only after the state write lands. */
  readonly completedSidecars: string[];
  /** Approvals consumed by a delete roll-forward; their files are marked only post-CAS. */
  readonly consumedApprovals: string[];
}

const PENDING_STATUS_MESSAGE =
  "graph state does not match the interrupted operation; run `cluster refresh` and re-plan";
const INCOMPLETE_STATUS_MESSAGE =
  "graph root exists but cannot be opened; remove the graph root and re-run `cluster apply`";

/** Read-only open of the graph a sidecar names (the sweep never runs engine recovery). */
async function openReadOnly(store: ClusterStore, graphUri: string): Promise<Outcome<GraphHandle>> {
  const key = store.keyOf(graphUri);
  if (key === null || key === "") {
    return { ok: false, message: `'${graphUri}' is not inside the cluster storage` };
  }
  return engineOpen(store.proc, key, "read_only");
}

/**
 * The recovery sweep (spec §3): classifies every parseable sidecar by read-only observation
 * and only ever rolls the in-memory ledger forward. It writes nothing itself; the calling
 * command persists its mutations with its one CAS write and retires sidecars after that.
 */
export async function sweepRecoverySidecars(
  store: ClusterStore,
  state: ClusterState,
  diagnostics: Diagnostic[],
): Promise<SweepOutcome> {
  const outcome: SweepOutcome = {
    pendingGraphs: new Set(),
    completedSidecars: [],
    consumedApprovals: [],
  };
  for (const [uri, sidecar] of await store.sidecars.list(diagnostics)) {
    switch (sidecar.kind) {
      case "graph_create":
        await sweepGraphCreate(store, uri, sidecar, state, diagnostics, outcome);
        break;
      case "schema_apply":
        await sweepSchemaApply(store, uri, sidecar, state, diagnostics, outcome);
        break;
      case "graph_delete":
        await sweepGraphDelete(store, uri, sidecar, state, diagnostics, outcome);
        break;
    }
  }
  return outcome;
}

function auditRecord(sidecar: RecoverySidecar, now: string) {
  return {
    kind: sidecar.kind,
    graph_id: sidecar.graph_id,
    outcome: "rolled_forward",
    recovered_at: now,
    actor: sidecar.actor,
  };
}

function markPending(
  state: ClusterState,
  sidecar: RecoverySidecar,
  outcome: SweepOutcome,
  diagnostics: Diagnostic[],
  message: string,
): void {
  const gAddr = graphAddress(sidecar.graph_id);
  setStatus(state, gAddr, "drifted", "actual_applied_state_pending", PENDING_STATUS_MESSAGE);
  setStatus(
    state,
    schemaAddress(sidecar.graph_id),
    "drifted",
    "actual_applied_state_pending",
    PENDING_STATUS_MESSAGE,
  );
  diagnostics.push(warning("cluster_recovery_pending", gAddr, message));
  outcome.pendingGraphs.add(sidecar.graph_id);
}

async function sweepGraphCreate(
  store: ClusterStore,
  uri: string,
  sidecar: RecoverySidecar,
  state: ClusterState,
  diagnostics: Diagnostic[],
  outcome: SweepOutcome,
): Promise<void> {
  const gAddr = graphAddress(sidecar.graph_id);
  const sAddr = schemaAddress(sidecar.graph_id);
  // Row 1: the init never landed; the command's own plan re-proposes the create.
  if (!(await store.graphRootExists(sidecar.graph_uri))) {
    outcome.completedSidecars.push(uri);
    return;
  }
  const opened = await openReadOnly(store, sidecar.graph_uri);
  if (!opened.ok) {
    // Row 5: a partial root (the engine's init gap). Never auto-deleted: removing data is
    // the operator's call.
    setStatus(state, gAddr, "error", "graph_create_incomplete", INCOMPLETE_STATUS_MESSAGE);
    setStatus(state, sAddr, "error", "graph_create_incomplete", INCOMPLETE_STATUS_MESSAGE);
    diagnostics.push(
      error(
        "graph_create_incomplete",
        gAddr,
        `graph root '${sidecar.graph_uri}' exists but cannot be opened (${opened.message}); remove the graph root and re-run \`cluster apply\``,
      ),
    );
    outcome.pendingGraphs.add(sidecar.graph_id);
    return;
  }
  const live = sha256Hex(opened.value.schemaSource());
  const recorded = state.applied_revision.resources.get(sAddr)?.digest;
  if (recorded === live) {
    // Row 2: the crash fell between the state write and the sidecar delete.
    outcome.completedSidecars.push(uri);
  } else if (live === sidecar.desired_schema_digest) {
    // Row 4: the create completed on the graph; the ledger follows observable reality.
    rollForward(store, uri, sidecar, state, live, diagnostics, outcome, "graph create");
  } else {
    // Row 6: the graph is neither what the ledger says nor what the sidecar intended.
    markPending(
      state,
      sidecar,
      outcome,
      diagnostics,
      "an interrupted graph create left unexpected graph state; graph-moving work is blocked until repaired",
    );
  }
}

/**
 * Rows 3 and 4: the interrupted operation had completed on the graph, so the ledger follows
 * observable reality, with an audit record. The `sweep-skips-rollforward` defect retires the
 * sidecar without moving the ledger.
 */
function rollForward(
  store: ClusterStore,
  uri: string,
  sidecar: RecoverySidecar,
  state: ClusterState,
  live: string,
  diagnostics: Diagnostic[],
  outcome: SweepOutcome,
  what: "graph create" | "schema apply",
): void {
  outcome.completedSidecars.push(uri);
  if (store.proc.world.hasDefect("sweep-skips-rollforward")) return;
  rollForwardSchema(state, sidecar.graph_id, live);
  state.recovery_records.set(
    sidecar.operation_id,
    auditRecord(sidecar, store.proc.world.clock.nowIso()),
  );
  diagnostics.push(
    warning(
      "cluster_recovery_rolled_forward",
      graphAddress(sidecar.graph_id),
      `an interrupted ${what} had completed on the graph; cluster state was rolled forward to match`,
    ),
  );
}

async function sweepSchemaApply(
  store: ClusterStore,
  uri: string,
  sidecar: RecoverySidecar,
  state: ClusterState,
  diagnostics: Diagnostic[],
  outcome: SweepOutcome,
): Promise<void> {
  const gAddr = graphAddress(sidecar.graph_id);
  // Classified by schema digest, not by the sidecar's version pins (those are forensic).
  const opened = await openReadOnly(store, sidecar.graph_uri);
  if (!opened.ok) {
    diagnostics.push(
      warning(
        "cluster_recovery_pending",
        gAddr,
        `an interrupted schema apply cannot be verified (graph '${sidecar.graph_uri}' did not open: ${opened.message}); graph-moving work is blocked until repaired`,
      ),
    );
    outcome.pendingGraphs.add(sidecar.graph_id);
    return;
  }
  const live = sha256Hex(opened.value.schemaSource());
  const recorded = state.applied_revision.resources.get(schemaAddress(sidecar.graph_id))?.digest;
  if (recorded === live) {
    // Rows S-1/2: the apply never landed, or landed and was recorded: stale intent.
    outcome.completedSidecars.push(uri);
  } else if (live === sidecar.desired_schema_digest) {
    // Row 3: the schema apply completed on the graph.
    rollForward(store, uri, sidecar, state, live, diagnostics, outcome, "schema apply");
  } else {
    markPending(
      state,
      sidecar,
      outcome,
      diagnostics,
      "an interrupted schema apply left unexpected graph state; graph-moving work is blocked until repaired",
    );
  }
}

async function sweepGraphDelete(
  store: ClusterStore,
  uri: string,
  sidecar: RecoverySidecar,
  state: ClusterState,
  diagnostics: Diagnostic[],
  outcome: SweepOutcome,
): Promise<void> {
  const gAddr = graphAddress(sidecar.graph_id);
  if (await store.graphRootExists(sidecar.graph_uri)) {
    // Row 8: the delete did not complete; prefix removal is idempotent, so the repair is
    // the re-proposed, still-approved delete.
    diagnostics.push(
      warning(
        "graph_delete_incomplete",
        gAddr,
        "a previous graph delete did not complete; it will be re-proposed by plan and can be retried under its approval",
      ),
    );
    outcome.completedSidecars.push(uri);
    return;
  }
  if (!state.applied_revision.resources.has(gAddr)) {
    // Row 7: already tombstoned; the crash fell between the state write and the sidecar delete.
    outcome.completedSidecars.push(uri);
    return;
  }
  // Row 7b: the root is gone and the ledger is stale: tombstone, audit, consume the approval.
  const now = store.proc.world.clock.nowIso();
  tombstoneGraphSubtree(state, sidecar.graph_id, sidecar.approval_id, sidecar.actor, now);
  state.recovery_records.set(sidecar.operation_id, auditRecord(sidecar, now));
  if (sidecar.approval_id !== null) {
    recordApprovalConsumed(state, sidecar.approval_id, sidecar.operation_id, now);
    outcome.consumedApprovals.push(sidecar.approval_id);
  }
  diagnostics.push(
    warning(
      "cluster_recovery_rolled_forward",
      gAddr,
      "an interrupted graph delete had completed on disk; cluster state was rolled forward to match",
    ),
  );
  outcome.completedSidecars.push(uri);
}

/** Post-CAS: rewrite each named, still-unconsumed approval file with `consumed_at`. */
export async function markApprovalsConsumed(
  store: ClusterStore,
  approvalIds: readonly string[],
): Promise<void> {
  if (approvalIds.length === 0) return;
  const ignored: Diagnostic[] = [];
  for (const [, artifact] of await store.approvals.list(ignored)) {
    if (approvalIds.includes(artifact.approval_id) && artifact.consumed_at === null) {
      artifact.consumed_at = store.proc.world.clock.nowIso();
      await store.approvals.write("cluster.approval.consume", artifact);
    }
  }
}

/** Read-only commands report sidecars (one warning per file) and never act on them. */
export async function warnPendingRecoverySidecars(
  store: ClusterStore,
  diagnostics: Diagnostic[],
): Promise<void> {
  for (const location of await store.sidecars.locations(diagnostics)) {
    diagnostics.push(
      warning(
        "cluster_recovery_pending",
        location,
        "a recovery sidecar from an interrupted apply is pending; the next state-mutating command will classify it",
      ),
    );
  }
}
