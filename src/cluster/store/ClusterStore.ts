import type { StepLabel } from "../../catalog/failpoints.ts";
import type { Process } from "../../world/process.ts";
import { CLUSTER_GRAPHS_DIR, CLUSTER_LOCK_FILE, CLUSTER_STATE_FILE } from "../constants.ts";
import { error } from "../diagnostics.ts";
import type { ApprovalArtifact } from "../records/approval.ts";
import type { RecoverySidecar } from "../records/sidecar.ts";
import { attempt, fail, ok, type Result } from "./attempt.ts";
import { APPROVALS, RecordDirectory, SIDECARS } from "./directory.ts";
import { LedgerStore } from "./ledger.ts";
import { configDirRoot, type StorageRoot, storageRootFor } from "./locations.ts";
import { LockStore } from "./lock.ts";
import { emptyObservations, type StateObservations } from "./observations.ts";
import { PayloadStore } from "./payloads.ts";
import { StoreSite } from "./site.ts";

/**
 * Everything the cluster keeps in storage, read and written through one process's labelled
 * storage: the ledger, the lock, the recovery sidecars, the approvals, the catalog payloads
 * and the graph roots. Declared configuration never lives here (that is the working tree).
 */
export class ClusterStore extends StoreSite {
  readonly ledger = new LedgerStore(this);
  readonly lock = new LockStore(this);
  readonly sidecars = new RecordDirectory<RecoverySidecar>(this, SIDECARS);
  readonly approvals = new RecordDirectory<ApprovalArtifact>(this, APPROVALS);
  readonly payloads = new PayloadStore(this);

  private constructor(proc: Process, configDir: string, root: StorageRoot) {
    super(proc, configDir, root);
  }

  /** The default layout: the config directory is the storage root. */
  static forConfigDir(proc: Process, configDir: string): ClusterStore {
    return new ClusterStore(proc, configDir, configDirRoot(configDir));
  }

  /** The root a command uses: `storage:` when declared (an unusable one is a diagnostic). */
  static select(
    proc: Process,
    configDir: string,
    storageRoot: string | null,
  ): Result<ClusterStore> {
    if (storageRoot === null) return ok(ClusterStore.forConfigDir(proc, configDir));
    const r = storageRootFor(configDir, storageRoot);
    if (!r.ok) return fail(error("storage_root_invalid", "storage", r.message));
    return ok(new ClusterStore(proc, configDir, r.root));
  }

  observations(): StateObservations {
    return emptyObservations(this.display(CLUSTER_STATE_FILE), this.display(CLUSTER_LOCK_FILE));
  }

  /** Derived graph root as upstream prints and records it (plain path locally, URI on S3). */
  graphRoot(graphId: string): string {
    const rel = `${CLUSTER_GRAPHS_DIR}/${graphId}.omni`;
    return this.root.kind === "local" ? this.display(rel) : this.uri(rel);
  }

  /** Store key prefix of a graph's derived root: what the engine opens. */
  graphKey(graphId: string): string {
    return this.key(`${CLUSTER_GRAPHS_DIR}/${graphId}.omni`);
  }

  /** "Some object key starts with `<root>/`" (an empty local directory has no model analogue). */
  async graphRootExists(graphUri: string): Promise<boolean> {
    const key = this.keyOf(graphUri);
    if (key === null || key === "") return false;
    const r = await attempt(() => this.storage.exists(key));
    return r.ok && r.value;
  }

  /** Recursive, idempotent removal of a graph root; returns the failure text. */
  async deleteGraphRoot(graphUri: string): Promise<string | null> {
    const key = this.keyOf(graphUri);
    if (key === null || key === "") return `'${graphUri}' is not inside the cluster storage`;
    const r = await attempt(() => this.storage.deletePrefix("cluster.graph.delete_root", key));
    return r.ok ? null : r.message;
  }

  /** Best-effort delete (sidecar retirement, create-path cleanup): failures are silent. */
  async deleteObject(step: StepLabel, location: string): Promise<void> {
    await this.tryDeleteObject(step, location);
  }

  /** Like deleteObject but returns the failure text, for callers that must report it. */
  async tryDeleteObject(step: StepLabel, location: string): Promise<string | null> {
    const key = this.keyOf(location);
    if (key === null || key === "") return `'${location}' is not inside the cluster storage`;
    const r = await attempt(() => this.storage.delete(step, key));
    return r.ok ? null : r.message;
  }
}
