import type { LoadOutcome } from "../config/load.ts";
import { type Diagnostic, warning } from "../diagnostics.ts";
import type { LockOperation } from "../records/lock.ts";
import { ClusterStore } from "../store/ClusterStore.ts";
import type { LockGuard } from "../store/lock.ts";
import type { StateObservations } from "../store/observations.ts";
import type { ClusterContext } from "./context.ts";

/**
 * Phase B: the store a command talks to. An unusable `storage:` root is reported and the
 * config dir stands in, only so the command can still produce its (failed) output.
 */
export function selectStore(
  ctx: ClusterContext,
  storageRoot: string | null,
  diagnostics: Diagnostic[],
): ClusterStore {
  const selected = ClusterStore.select(ctx.proc, ctx.configDir, storageRoot);
  if (selected.ok) return selected.value;
  diagnostics.push(selected.diagnostic);
  return ClusterStore.forConfigDir(ctx.proc, ctx.configDir);
}

export function storeForOutcome(
  ctx: ClusterContext,
  outcome: LoadOutcome,
  diagnostics: Diagnostic[],
): ClusterStore {
  return selectStore(ctx, outcome.desired?.storageRoot ?? null, diagnostics);
}

/**
 * Phase C: takes the state lock when `state.lock` is on; otherwise warns and runs unfenced
 * (the ledger CAS stays the only fence). A held lock is an error diagnostic, not a throw.
 */
export async function takeLock(
  store: ClusterStore,
  stateLock: boolean,
  operation: LockOperation,
  verb: string,
  obs: StateObservations,
  diagnostics: Diagnostic[],
): Promise<LockGuard | null> {
  if (!stateLock) {
    diagnostics.push(
      warning(
        "state_lock_disabled",
        "state.lock",
        `state.lock is false; ${operation} ${verb} without acquiring the cluster state lock`,
      ),
    );
    return null;
  }
  const r = await store.lock.acquire(operation, obs);
  if (r.ok) return r.value;
  diagnostics.push(r.diagnostic);
  return null;
}
