import type { LoadOutcome } from "../config/load.ts";
import { type Diagnostic, hasErrors, warning } from "../diagnostics.ts";
import type { LockOperation } from "../records/lock.ts";
import { ClusterStore } from "../store/ClusterStore.ts";
import type { StateSnapshot } from "../store/ledger.ts";
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

/** A command that locks and reads the ledger, as its prologue needs to know it. */
export interface LedgerCommand {
  readonly store: ClusterStore;
  /** `state.lock` of the desired config. */
  readonly stateLock: boolean;
  readonly operation: LockOperation;
  /** What the command does unfenced when the lock is off ("wrote state", "ran", ...). */
  readonly verb: string;
  readonly obs: StateObservations;
  readonly diagnostics: Diagnostic[];
}

/**
 * Phases C and D of every command that locks and reads the ledger: take the lock, read the
 * ledger, run `body` on it, and release the lock however the body ends (a death included:
 * the release then does nothing). A held lock or an unreadable ledger is an error diagnostic
 * already pushed when `refused` is asked for the command's output. `beforeRead` runs after
 * the lock was asked for, whether or not it was granted, and before the errors are counted.
 */
export async function withLockedLedger<T>(
  cmd: LedgerCommand,
  refused: () => T | Promise<T>,
  body: (ledger: StateSnapshot) => Promise<T>,
  beforeRead?: () => Promise<void>,
): Promise<T> {
  const { store, obs, diagnostics } = cmd;
  const lock = await takeLock(store, cmd.stateLock, cmd.operation, cmd.verb, obs, diagnostics);
  try {
    if (beforeRead !== undefined) await beforeRead();
    if (hasErrors(diagnostics)) return await refused();
    const read = await store.ledger.read(obs);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      return await refused();
    }
    return await body(read.value);
  } finally {
    await lock?.release();
  }
}

/**
 * Phase C: takes the state lock when `state.lock` is on; otherwise warns and runs unfenced
 * (the ledger CAS stays the only fence). A held lock is an error diagnostic, not a throw.
 */
async function takeLock(
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
