import { compareStrings } from "../util/json.ts";
import { graphIdOf, resourceKind } from "./addresses.ts";
import type { Dependency, DesiredCluster } from "./config/desired.ts";
import { type Diagnostic, warning } from "./diagnostics.ts";
import type { ApprovalRequirement, BlastRadius, PlanChange } from "./plan.ts";
import type { ApprovalArtifact } from "./records/approval.ts";
import { profilesEqual } from "./records/embeddingProfile.ts";
import type { ClusterState } from "./records/state.ts";

function byResource(a: PlanChange, b: PlanChange): number {
  return compareStrings(a.resource, b.resource);
}

/** Desired vs applied digests: creates, updates, deletes, in address order. */
export function diffResources(
  prior: ReadonlyMap<string, string>,
  desired: ReadonlyMap<string, string>,
): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const [address, after] of desired) {
    const before = prior.get(address);
    if (before === undefined) {
      changes.push({ resource: address, operation: "create", after_digest: after });
    } else if (before !== after) {
      changes.push({
        resource: address,
        operation: "update",
        before_digest: before,
        after_digest: after,
      });
    }
  }
  for (const [address, before] of prior) {
    if (!desired.has(address))
      changes.push({ resource: address, operation: "delete", before_digest: before });
  }
  return changes.sort(byResource);
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Binding-only policy updates: the file digest is unchanged (so the digest diff saw nothing)
 * but the applied `applies_to` differs from the desired one, absent included (a pre-5A
 * ledger). Without this a binding edit would never reach the ledger.
 */
export function appendPolicyBindingChanges(
  changes: PlanChange[],
  priorState: ClusterState | null,
  desired: DesiredCluster,
): void {
  if (priorState === null) return;
  for (const [address, bindings] of desired.policyBindings) {
    if (changes.some((c) => c.resource === address)) continue;
    const entry = priorState.applied_revision.resources.get(address);
    if (entry === undefined) continue;
    if (sameStrings(entry.applies_to, bindings)) continue;
    changes.push({
      resource: address,
      operation: "update",
      before_digest: entry.digest,
      after_digest: entry.digest,
      binding_change: true,
      metadata_change: "policy_bindings",
    });
  }
  changes.sort(byResource);
}

/**
 * Profile-only provider updates (new in #284): the provider digest is unchanged but the
 * ledger lacks (or holds a different) `embedding_profile`, which serving needs.
 */
export function appendEmbeddingProfileChanges(
  changes: PlanChange[],
  priorState: ClusterState | null,
  desired: DesiredCluster,
): void {
  if (priorState === null) return;
  for (const [address, profile] of desired.embeddingProviders) {
    if (changes.some((c) => c.resource === address)) continue;
    const entry = priorState.applied_revision.resources.get(address);
    if (entry === undefined) continue;
    if (profilesEqual(entry.embedding_profile, profile)) continue;
    changes.push({
      resource: address,
      operation: "update",
      before_digest: entry.digest,
      after_digest: entry.digest,
      metadata_change: "embedding_profile",
    });
  }
  changes.sort(byResource);
}

/** For every changed resource, the resources that depend on it. */
export function computeBlastRadius(
  changes: readonly PlanChange[],
  dependencies: readonly Dependency[],
): BlastRadius[] {
  const out: BlastRadius[] = [];
  for (const change of changes) {
    const affected = dependencies.filter((d) => d.to === change.resource).map((d) => d.from);
    if (affected.length > 0) out.push({ resource: change.resource, affected });
  }
  return out;
}

/**
 * The approval gates: every graph delete, and schema deletes whose graph is not deleted too
 * (one gate per subtree: the graph delete carries its schema and queries).
 */
export function computeApprovals(
  changes: readonly PlanChange[],
  approved: ReadonlySet<string>,
): ApprovalRequirement[] {
  const graphDeletes = new Set<string>();
  for (const c of changes) {
    const graphId = graphIdOf(c.resource);
    if (c.operation === "delete" && graphId !== null) graphDeletes.add(graphId);
  }
  const out: ApprovalRequirement[] = [];
  for (const c of changes) {
    if (c.operation !== "delete") continue;
    const kind = resourceKind(c.resource);
    const gated =
      kind.kind === "graph" || (kind.kind === "schema" && !graphDeletes.has(kind.graph));
    if (!gated) continue;
    out.push({
      resource: c.resource,
      reason: "delete may remove deployed graph or schema definition",
      satisfied: approved.has(c.resource),
    });
  }
  return out;
}

/**
 * Resources with a matching unconsumed approval (same resource, config digest, before and
 * after digests). A near miss warns `approval_stale` and authorizes nothing.
 */
export function approvedResources(
  artifacts: ReadonlyArray<readonly [string, ApprovalArtifact]>,
  changes: readonly PlanChange[],
  configDigest: string,
  diagnostics: Diagnostic[],
): Set<string> {
  const approved = new Set<string>();
  for (const change of changes) {
    const candidates = artifacts
      .map(([, a]) => a)
      .filter((a) => a.consumed_at === null && a.resource === change.resource);
    if (candidates.length === 0) continue;
    const matched = candidates.some(
      (a) =>
        a.bound_config_digest === configDigest &&
        a.bound_before_digest === (change.before_digest ?? null) &&
        a.bound_after_digest === (change.after_digest ?? null),
    );
    if (matched) {
      approved.add(change.resource);
    } else {
      diagnostics.push(
        warning(
          "approval_stale",
          change.resource,
          "an approval artifact exists but its bound digests no longer match the plan; re-run `cluster approve`",
        ),
      );
    }
  }
  return approved;
}
