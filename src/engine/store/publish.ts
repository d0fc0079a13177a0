import { engineFailpoint } from "../failpoint.ts";
import { appendCommit } from "./commitGraph.ts";
import type { GraphStorage } from "./graphStorage.ts";
import { type CommitOptions, commitManifest, type ManifestChange } from "./manifest.ts";

/**
 * A writer's graph publish (upstream's `commit_changes_with_actor`): the manifest commit,
 * then the commit-graph row. Both failpoints sit after the manifest moved.
 */
export async function publish(
  storage: GraphStorage,
  changes: readonly ManifestChange[],
  opts: CommitOptions,
): Promise<number> {
  const version = await commitManifest(storage, changes, opts);
  await engineFailpoint(storage.proc, "graph_publish.after_manifest_commit");
  await engineFailpoint(storage.proc, "graph_publish.before_commit_append");
  await appendCommit(storage, "engine.commits.append", version, opts.actor);
  return version;
}
