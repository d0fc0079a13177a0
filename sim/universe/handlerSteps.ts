/**
 * Writes that run on error and cleanup paths: where a second fault hurts most (BUGGIFY's
 * lesson: error handlers are the least exercised code), and which a probe run without an
 * injected error never passes. The sampler and the guided mutator both draw from this list.
 */
export const HANDLER_STEPS = [
  "cluster.sidecar.delete_unmoved.",
  "cluster.sidecar.delete_create_unmoved.",
  "cluster.sidecar.rewrite.",
  "cluster.sidecar.delete_completed.",
  "cluster.lock.release.",
  "cluster.approval.consume.",
  "engine.branch.delete.",
  "engine.commits.reclaim_branch.",
  "engine.commits.delete_zombie_branch.",
  "engine.schema_apply.sidecar_delete.",
  "engine.init.cleanup_schema_files.",
  "engine.recovery.",
] as const;

/** Whether a failpoint sits on an error-handling write. */
export function onHandlerStep(failpoint: string): boolean {
  return HANDLER_STEPS.some((h) => failpoint.startsWith(h));
}
