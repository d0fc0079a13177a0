import type { StepLabel } from "../../catalog/failpoints.ts";
import { COMMITS_DIR, RECOVERY_AUDIT_DIR } from "../layout.ts";
import type { GraphCommit, RecoveryAudit } from "./codecs.ts";
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
