import { CLUSTER_LOCK_FILE } from "../constants.ts";
import { type Diagnostic, error, warning } from "../diagnostics.ts";
import type { LockOperation, StateLockFile } from "../records/lock.ts";
import { attempt, fail, ok, type Result } from "./attempt.ts";
import { parseLockText, serializeLock } from "./codecs.ts";
import type { StateObservations } from "./observations.ts";
import type { StoreSite } from "./site.ts";

/** Held while a command runs; `release` is idempotent and never throws except for death. */
export interface LockGuard {
  readonly lockId: string;
  release(): Promise<void>;
}

/** The state lock, `state.lock`: created if absent, removed on release or by force-unlock. */
export class LockStore {
  constructor(private readonly site: StoreSite) {}

  private get key(): string {
    return this.site.key(CLUSTER_LOCK_FILE);
  }

  async acquire(operation: LockOperation, obs: StateObservations): Promise<Result<LockGuard>> {
    const { proc, storage } = this.site;
    const key = this.key;
    const lock: StateLockFile = {
      version: 1,
      lock_id: proc.world.ids.ulid(),
      operation,
      created_at: proc.world.clock.nowIso(),
      pid: proc.pid,
    };
    const created = await attempt(() =>
      storage.putIfAbsent("cluster.lock.acquire", key, serializeLock(lock)),
    );
    if (!created.ok) {
      return fail(
        error(
          "state_lock_error",
          CLUSTER_LOCK_FILE,
          `could not write state lock: ${created.message}`,
        ),
      );
    }
    if (!created.value) {
      await this.observeHolderLossy(obs);
      return fail(error("state_lock_held", CLUSTER_LOCK_FILE, stateLockHeldMessage(obs)));
    }
    obs.lock_acquired = true;
    obs.acquired_lock_id = lock.lock_id;
    let released = false;
    return ok({
      lockId: lock.lock_id,
      release: async () => {
        if (released) return;
        released = true;
        // Best effort, as upstream's guard drop: a failed release leaves the lock for
        // force-unlock.
        await attempt(() => storage.delete("cluster.lock.release", key));
      },
    });
  }

  async forceUnlock(lockId: string, obs: StateObservations): Promise<Diagnostic | null> {
    const { storage } = this.site;
    const key = this.key;
    const read = await attempt(() => storage.tryRead(key));
    if (!read.ok) {
      return error(
        "state_lock_read_error",
        CLUSTER_LOCK_FILE,
        `could not read state lock: ${read.message}`,
      );
    }
    if (read.value === null)
      return error("state_lock_missing", CLUSTER_LOCK_FILE, "no cluster state lock is present");
    const parsed = parseLockText(read.value);
    if (!parsed.ok) return parsed.diagnostic;
    const lock = parsed.value;
    this.observeHolder(obs, lock);
    obs.locked = true;
    if (lock.lock_id !== lockId) {
      return error(
        "state_lock_id_mismatch",
        CLUSTER_LOCK_FILE,
        `lock id mismatch: held lock is ${lock.lock_id}, refusing to remove (pass the exact id from \`cluster status\`)`,
      );
    }
    const removed = await attempt(() => storage.delete("cluster.lock.force_unlock", key));
    if (!removed.ok) {
      return error(
        "state_lock_error",
        CLUSTER_LOCK_FILE,
        `could not remove state lock: ${removed.message}`,
      );
    }
    obs.locked = false;
    return null;
  }

  /** Status's view of the lock: the problems force-unlock refuses on are warnings here. */
  async observe(obs: StateObservations, diagnostics: Diagnostic[]): Promise<void> {
    const read = await attempt(() => this.site.storage.tryRead(this.key));
    if (!read.ok) {
      diagnostics.push(
        warning(
          "state_lock_read_error",
          CLUSTER_LOCK_FILE,
          `could not read state lock: ${read.message}`,
        ),
      );
      return;
    }
    if (read.value === null) return;
    obs.locked = true;
    const parsed = parseLockText(read.value);
    if (!parsed.ok) {
      const d = parsed.diagnostic;
      diagnostics.push(warning(d.code, d.path, d.message));
      return;
    }
    this.observeHolder(obs, parsed.value);
  }

  /** After losing the race to create: who holds it, if that can still be read. */
  private async observeHolderLossy(obs: StateObservations): Promise<void> {
    obs.locked = true;
    const read = await attempt(() => this.site.storage.tryRead(this.key));
    if (!read.ok || read.value === null) return;
    const parsed = parseLockText(read.value);
    if (parsed.ok) this.observeHolder(obs, parsed.value);
  }

  private observeHolder(obs: StateObservations, lock: StateLockFile): void {
    obs.locked = true;
    obs.lock_id = lock.lock_id;
    obs.lock_operation = lock.operation;
    obs.lock_created_at = lock.created_at;
    obs.lock_pid = lock.pid;
    const created = Date.parse(lock.created_at);
    if (Number.isFinite(created)) {
      obs.lock_age_seconds = Math.max(
        0,
        Math.floor((this.site.proc.world.clock.now() - created) / 1000),
      );
    }
  }
}

export function stateLockHeldMessage(obs: StateObservations): string {
  return obs.lock_id !== undefined
    ? `cluster state lock already exists (lock id ${obs.lock_id}); run \`omnigraph cluster force-unlock ${obs.lock_id}\` only after confirming no cluster operation is active`
    : "cluster state lock already exists; remove it only after confirming no cluster operation is active";
}
