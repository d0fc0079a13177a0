import { graphAddress, schemaAddress } from "./addresses.ts";
import type { DesiredCluster } from "./config/desired.ts";
import { graphDigest } from "./digests.ts";
import type { ClusterState } from "./records/state.ts";
import { appliedStatus, type ResourceLifecycleStatus } from "./records/status.ts";

export function setStatusApplied(state: ClusterState, address: string): void {
  state.resource_statuses.set(address, appliedStatus());
}

export function setStatus(
  state: ClusterState,
  address: string,
  status: ResourceLifecycleStatus,
  condition: string,
  message: string,
): void {
  state.resource_statuses.set(address, { status, conditions: [condition], message });
}

/** The ledger's query digests of one graph, by query name. */
export function stateQueryDigests(state: ClusterState, graphId: string): Map<string, string> {
  const prefix = `query.${graphId}.`;
  const out = new Map<string, string>();
  for (const [address, r] of state.applied_revision.resources) {
    if (address.startsWith(prefix)) out.set(address.slice(prefix.length), r.digest);
  }
  return out;
}

export function stateGraphProvider(state: ClusterState, graphId: string): string | undefined {
  return state.applied_revision.resources.get(graphAddress(graphId))?.embedding_provider;
}

export function stateDigestOf(
  state: ClusterState,
  address: string | undefined,
): string | undefined {
  return address === undefined ? undefined : state.applied_revision.resources.get(address)?.digest;
}

/**
 * Rolls the ledger forward to a live schema digest (sweep rows 3 and 4): the schema entry,
 * the composite from the ledger's own components and provider binding, applied statuses.
 */
export function rollForwardSchema(state: ClusterState, graphId: string, liveDigest: string): void {
  const resources = state.applied_revision.resources;
  resources.set(schemaAddress(graphId), { digest: liveDigest });
  const provider = stateGraphProvider(state, graphId);
  const composite = graphDigest(
    graphId,
    liveDigest,
    stateQueryDigests(state, graphId),
    provider,
    stateDigestOf(state, provider),
  );
  resources.set(
    graphAddress(graphId),
    provider === undefined
      ? { digest: composite }
      : { digest: composite, embedding_provider: provider },
  );
  setStatusApplied(state, graphAddress(graphId));
  setStatusApplied(state, schemaAddress(graphId));
}

/** Removes a graph's subtree (graph, schema, queries) and leaves a tombstone. Idempotent. */
export function tombstoneGraphSubtree(
  state: ClusterState,
  graphId: string,
  approvalId: string | null,
  actor: string | null,
  now: string,
): void {
  const gAddr = graphAddress(graphId);
  const sAddr = schemaAddress(graphId);
  const queryPrefix = `query.${graphId}.`;
  for (const m of [state.applied_revision.resources, state.resource_statuses] as Map<
    string,
    unknown
  >[]) {
    m.delete(gAddr);
    m.delete(sAddr);
    for (const k of [...m.keys()]) if (k.startsWith(queryPrefix)) m.delete(k);
  }
  state.observations.set(gAddr, {
    kind: "tombstone",
    deleted_at: now,
    approval_id: approvalId,
    actor,
  });
}

/** The ledger half of approval consumption; the artifact file is rewritten only post-CAS. */
export function recordApprovalConsumed(
  state: ClusterState,
  approvalId: string,
  operation: string,
  now: string,
): void {
  state.approval_records.set(approvalId, { consumed_at: now, consumed_by_operation: operation });
}

/**
 * Recomputes every desired graph's composite that the ledger holds, from the ledger's own
 * schema and query digests and the desired provider binding; without this an applied query
 * change would leave a stale composite and apply could never converge.
 */
export function recomputeStateGraphDigests(state: ClusterState, desired: DesiredCluster): void {
  for (const graph of desired.graphs) {
    const gAddr = graphAddress(graph.id);
    if (!state.applied_revision.resources.has(gAddr)) continue;
    const provider = graph.embeddingProvider ?? undefined;
    const digest = graphDigest(
      graph.id,
      stateDigestOf(state, schemaAddress(graph.id)),
      stateQueryDigests(state, graph.id),
      provider,
      stateDigestOf(state, provider),
    );
    state.applied_revision.resources.set(
      gAddr,
      provider === undefined ? { digest } : { digest, embedding_provider: provider },
    );
  }
}
