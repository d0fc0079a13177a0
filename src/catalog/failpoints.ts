/**
 * The failpoint catalog: the single list of every place the model can be failed or killed.
 *
 * Two kinds of entries:
 * - step labels: every durable write in src/ passes one, and the storage layer evaluates
 *   `<step>.before` and `<step>.after` around the write, so a failpoint before and after
 *   every mutation exists by construction;
 * - named failpoints: upstream's own names, kept at upstream's positions.
 *
 * Both lists are literal unions, so a call site with a typo does not compile, and
 * test/catalog/catalog.test.ts checks the other direction: every entry here is used by
 * the code, and every write in the code carries a label from here.
 */

export const ENGINE_STEPS = [
  "engine.init.claim_schema_pg",
  "engine.init.write_schema_ir",
  "engine.init.write_schema_state",
  "engine.init.create_table",
  "engine.init.create_manifest",
  "engine.init.append_commit",
  "engine.init.cleanup_schema_files",
  "engine.branch.create",
  "engine.branch.delete",
  "engine.manifest.commit",
  "engine.commits.append",
  "engine.commits.create_branch",
  "engine.commits.delete_zombie_branch",
  "engine.commits.reclaim_branch",
  "engine.insert.sidecar_write",
  "engine.insert.table_write",
  "engine.insert.sidecar_delete",
  "engine.schema_apply.sidecar_write",
  "engine.schema_apply.table_create",
  "engine.schema_apply.table_write",
  "engine.schema_apply.staging_write_pg",
  "engine.schema_apply.staging_write_ir",
  "engine.schema_apply.staging_write_state",
  "engine.schema_apply.promote_staging",
  "engine.schema_apply.sidecar_delete",
  "engine.schema_apply.cleanup_old_versions",
  "engine.recovery.bootstrap_schema_ir",
  "engine.recovery.bootstrap_schema_state",
  "engine.recovery.promote_staging",
  "engine.recovery.delete_staging",
  "engine.recovery.table_restore",
  "engine.recovery.sidecar_delete",
  "engine.recovery.audit",
] as const;

export const CLUSTER_STEPS = [
  "cluster.lock.acquire",
  "cluster.lock.release",
  "cluster.lock.force_unlock",
  "cluster.sidecar.write",
  "cluster.sidecar.rewrite",
  "cluster.sidecar.delete_completed",
  "cluster.sidecar.delete_unmoved",
  "cluster.sidecar.delete_create_unmoved",
  "cluster.payload.write",
  "cluster.state.create",
  "cluster.state.write",
  "cluster.approval.write",
  "cluster.approval.consume",
  "cluster.graph.delete_root",
] as const;

export const STEP_LABELS = [...ENGINE_STEPS, ...CLUSTER_STEPS] as const;
export type StepLabel = (typeof STEP_LABELS)[number];

/**
 * Upstream's engine failpoints (crates/omnigraph/src/failpoints.rs @7fd23c54) that the model
 * reaches. `recovery.sidecar_confirm` is left out: upstream evaluates it only in the
 * BranchMerge writer's Phase-B confirmation, which the model does not have.
 */
export const ENGINE_NAMED = [
  "init.after_schema_pg_written",
  "init.after_schema_contract_written",
  "init.after_coordinator_init",
  "branch_create.after_manifest_branch_create",
  "branch_delete.before_commit_graph_reclaim",
  "recovery.sidecar_write",
  "schema_apply.before_staging_write",
  "schema_apply.after_staging_write",
  "schema_apply.after_manifest_commit",
  "graph_publish.after_manifest_commit",
  "graph_publish.before_commit_append",
  "recovery.sidecar_list",
  "recovery.sidecar_delete",
  "recovery.record_audit",
] as const;

/** Upstream's eight cluster failpoints (crates/omnigraph-cluster, spec §2.17). */
export const CLUSTER_NAMED = [
  "cluster_apply.before_graph_create",
  "cluster_apply.after_graph_create",
  "cluster_apply.before_schema_apply",
  "cluster_apply.after_schema_apply",
  "cluster_apply.after_payload_phase",
  "cluster_apply.before_graph_delete",
  "cluster_apply.after_graph_delete",
  "cluster_apply.before_state_write",
] as const;

export const NAMED_FAILPOINTS = [...ENGINE_NAMED, ...CLUSTER_NAMED] as const;
export type NamedFailpoint = (typeof NAMED_FAILPOINTS)[number];

export type StepFailpoint = `${StepLabel}.before` | `${StepLabel}.after`;
export type FailpointName = NamedFailpoint | StepFailpoint;

export const ALL_FAILPOINTS: readonly FailpointName[] = [
  ...NAMED_FAILPOINTS,
  ...STEP_LABELS.flatMap((s): StepFailpoint[] => [`${s}.before`, `${s}.after`]),
];

const KNOWN = new Set<string>(ALL_FAILPOINTS);

export function isFailpointName(name: string): name is FailpointName {
  return KNOWN.has(name);
}
