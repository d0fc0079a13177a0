import type { StepLabel } from "../../catalog/failpoints.ts";
import { EngineError } from "../errors.ts";
import {
  COMMIT_GRAPH_BRANCHES_DIR,
  COMMITS_DIR,
  commitGraphBranchKey,
  parseBranchName,
  RECOVERY_AUDIT_DIR,
} from "../layout.ts";
import type { CommitGraphBranch, GraphCommit, RecoveryAudit } from "./codecs.ts";
import { type GraphStorage, prettyJson } from "./graphStorage.ts";

/** Actor recorded on commits the open-time recovery publishes. */
export const RECOVERY_ACTOR = "omnigraph:recovery";

/**
 * Appends a commit-graph row for a published manifest version. Ids are ULIDs, so the
 * directory listing is the commit order and its last entry is the parent.
 */
export async function appendCommit(
  storage: GraphStorage,
  step: StepLabel,
  manifestVersion: number,
  actor: string | null,
): Promise<string> {
  const existing = (await storage.list(COMMITS_DIR)).filter((n) => n.endsWith(".json")).sort();
  const last = existing[existing.length - 1];
  const id = storage.proc.world.ids.ulid();
  const row: GraphCommit = {
    graph_commit_id: id,
    manifest_version: manifestVersion,
    parent_commit_id: last === undefined ? null : last.slice(0, -".json".length),
    branch: null,
    actor_id: actor,
    created_at: storage.proc.world.clock.nowIso(),
  };
  await storage.putIfAbsent(step, `${COMMITS_DIR}/${id}.json`, prettyJson(row));
  return id;
}

/** The commit graph's named branches (upstream's `CommitGraph::list_branches`), sorted. */
export async function listCommitGraphBranches(storage: GraphStorage): Promise<string[]> {
  return (await storage.list(COMMIT_GRAPH_BRANCHES_DIR))
    .map(parseBranchName)
    .filter((n): n is string => n !== null)
    .sort();
}

/**
 * Branches the commit graph at its current version (upstream's `CommitGraph::create_branch`,
 * Lance's `create_branch`): one branch-contents object, refused when the branch exists.
 */
export async function createCommitGraphBranch(storage: GraphStorage, name: string): Promise<void> {
  const version = (await storage.list(COMMITS_DIR)).filter((n) => n.endsWith(".json")).length;
  const ref: CommitGraphBranch = {
    name,
    parent_version: version,
    created_at: storage.proc.world.clock.nowIso(),
  };
  const created = await storage.putIfAbsent(
    "engine.commits.create_branch",
    commitGraphBranchKey(name),
    prettyJson(ref),
  );
  if (!created) {
    throw new EngineError(
      "storage",
      `commit-graph branch '${name}' already exists`,
      storage.key(commitGraphBranchKey(name)),
    );
  }
}

/**
 * Drops a commit-graph branch, tolerating one that is already gone (upstream's
 * `CommitGraph::force_delete_branch`). `step` says which caller: the zombie heal of a branch
 * create or the reclaim of a branch delete.
 */
export async function forceDeleteCommitGraphBranch(
  storage: GraphStorage,
  step: "engine.commits.delete_zombie_branch" | "engine.commits.reclaim_branch",
  name: string,
): Promise<void> {
  await storage.delete(step, commitGraphBranchKey(name));
}

export async function appendRecoveryAudit(
  storage: GraphStorage,
  audit: RecoveryAudit,
): Promise<void> {
  await storage.putIfAbsent(
    "engine.recovery.audit",
    `${RECOVERY_AUDIT_DIR}/${storage.proc.world.ids.ulid()}.json`,
    prettyJson(audit),
  );
}
