import { asEngineError, EngineError } from "../errors.ts";
import { engineFailpoint } from "../failpoint.ts";
import { SCHEMA_APPLY_LOCK_BRANCH } from "../layout.ts";
import { createBranchRef, deleteBranchRef, listBranches } from "../store/branches.ts";
import {
  createCommitGraphBranch,
  forceDeleteCommitGraphBranch,
  listCommitGraphBranches,
} from "../store/commitGraph.ts";
import type { GraphStorage } from "../store/graphStorage.ts";
import { requireHead } from "../store/manifest.ts";
import { validateSchemaContract } from "../store/schemaFiles.ts";

export function isInternalBranch(name: string): boolean {
  return name.replace(/^\/+/, "") === SCHEMA_APPLY_LOCK_BRANCH;
}

/** Branches that block a schema apply: everything but main and the lock branch. */
export function blockingBranches(all: readonly string[]): string[] {
  return all.filter((b) => b !== "main" && !isInternalBranch(b));
}

export function nonMainBranchesError(blocking: readonly string[]): EngineError {
  return new EngineError(
    "non_main_branches",
    `schema apply requires a graph with only main; found non-main branches: ${blocking.join(", ")}`,
  );
}

/** Ordinary writes refuse to run while the lock branch exists. */
export async function ensureSchemaApplyIdle(
  storage: GraphStorage,
  operation: string,
): Promise<void> {
  if ((await listBranches(storage)).some(isInternalBranch)) {
    throw new EngineError(
      "unavailable_during_schema_apply",
      `${operation} is unavailable while schema apply is in progress`,
    );
  }
}

/**
 * The coordinator's branch create (upstream's `GraphCoordinator::branch_create`): the manifest
 * ref first, then the derived commit-graph branch. If anything on the commit-graph side fails
 * (the failpoint, listing its branches, dropping a zombie, the create itself) the manifest ref
 * is rolled back, best effort, so the branch never half-exists; the first error is returned.
 */
export async function coordinatorBranchCreate(storage: GraphStorage, name: string): Promise<void> {
  const head = await requireHead(storage);
  await createBranchRef(storage, name, head.version);
  try {
    await createCommitGraphSide(storage, name);
  } catch (e) {
    const err = asEngineError(e);
    try {
      await deleteBranchRef(storage, name);
    } catch (rollbackError) {
      asEngineError(rollbackError);
    }
    throw err;
  }
}

/**
 * The manifest ref was just created, so a commit-graph branch of the same name can only be a
 * zombie an incomplete delete left behind: it is dropped before the branch is created afresh.
 */
async function createCommitGraphSide(storage: GraphStorage, name: string): Promise<void> {
  await engineFailpoint(storage.proc, "branch_create.after_manifest_branch_create");
  if ((await listCommitGraphBranches(storage)).includes(name)) {
    await forceDeleteCommitGraphBranch(storage, "engine.commits.delete_zombie_branch", name);
  }
  await createCommitGraphBranch(storage, name);
}

/**
 * The coordinator's branch delete (upstream's `GraphCoordinator::branch_delete`): the manifest
 * ref's delete is the authority and must succeed; the commit-graph branch is derived state,
 * reclaimed best effort behind upstream's failpoint, its failure swallowed (a zombie the next
 * create of that name drops).
 */
export async function coordinatorBranchDelete(storage: GraphStorage, name: string): Promise<void> {
  await deleteBranchRef(storage, name);
  try {
    await engineFailpoint(storage.proc, "branch_delete.before_commit_graph_reclaim");
    await forceDeleteCommitGraphBranch(storage, "engine.commits.reclaim_branch", name);
  } catch (e) {
    asEngineError(e);
  }
}

/**
 * Takes the schema-apply lock (step 3): a fresh contract check, refusal when the lock branch
 * already exists, the lock branch itself, then a re-check for non-main branches that
 * releases the lock again before refusing.
 */
export async function acquireSchemaApplyLock(storage: GraphStorage): Promise<void> {
  await validateSchemaContract(storage);
  if ((await listBranches(storage)).some(isInternalBranch)) {
    throw new EngineError("schema_apply_in_progress", "schema apply is already in progress");
  }
  await coordinatorBranchCreate(storage, SCHEMA_APPLY_LOCK_BRANCH);
  const blocking = blockingBranches(await listBranches(storage));
  if (blocking.length > 0) {
    try {
      await releaseSchemaApplyLock(storage);
    } catch (e) {
      asEngineError(e);
    }
    throw nonMainBranchesError(blocking);
  }
}

export async function releaseSchemaApplyLock(storage: GraphStorage): Promise<void> {
  await coordinatorBranchDelete(storage, SCHEMA_APPLY_LOCK_BRANCH);
}
