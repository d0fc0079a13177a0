import { EngineError } from "../errors.ts";
import { branchKey, MANIFEST_BRANCHES_DIR, parseBranchName } from "../layout.ts";
import type { BranchRef } from "./codecs.ts";
import { type GraphStorage, prettyJson } from "./graphStorage.ts";

/**
 * Every branch of the manifest, `main` first and the rest sorted (upstream's
 * `list_branches`), including the internal schema-apply lock branch when present.
 */
export async function listBranches(storage: GraphStorage): Promise<string[]> {
  const names = (await storage.list(MANIFEST_BRANCHES_DIR))
    .map(parseBranchName)
    .filter((n): n is string => n !== null && n !== "main")
    .sort();
  return ["main", ...names];
}

/** Creates a branch ref at main's `baseVersion`; refs do not move main's version. */
export async function createBranchRef(
  storage: GraphStorage,
  name: string,
  baseVersion: number,
): Promise<void> {
  const ref: BranchRef = {
    name,
    parent_branch: "main",
    base_version: baseVersion,
    created_at: storage.proc.world.clock.nowIso(),
  };
  const created = await storage.putIfAbsent(
    "engine.branch.create",
    branchKey(name),
    prettyJson(ref),
  );
  if (!created) throw new EngineError("branch_exists", `branch '${name}' already exists`);
}

export async function deleteBranchRef(storage: GraphStorage, name: string): Promise<void> {
  await storage.delete("engine.branch.delete", branchKey(name));
}
