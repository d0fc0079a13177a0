import { rethrowDeath } from "../world/process.ts";
import { StoreError } from "../world/store/ObjectStore.ts";

/**
 * Stable codes for everything the engine model can refuse or fail with. Callers (the cluster,
 * the server, the simulator's oracles) branch on the code; the message is upstream's text
 * where upstream has a stable one.
 */
export const ENGINE_ERROR_CODES = [
  "already_initialized",
  "schema_parse",
  "schema_catalog",
  "not_a_graph",
  "schema_missing",
  "schema_contract",
  "staging_ambiguous",
  "non_main_branches",
  "unsupported_migration",
  "schema_apply_in_progress",
  "unavailable_during_schema_apply",
  "lease_lost",
  "policy_denied",
  "injected",
  "corrupt_object",
  "storage",
  "conflict",
  "recovery_invariant",
  "read_only",
  "invalid_argument",
  "branch_exists",
  "branch_not_found",
  "constraint_violation",
  "query_invalid",
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  /** The store key the error is about, when there is one (e.g. the corrupt object). */
  readonly key: string | undefined;

  constructor(code: EngineErrorCode, message: string, key?: string) {
    super(message);
    this.name = "EngineError";
    this.code = code;
    this.key = key;
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/**
 * Normalises a failure caught inside the engine: death is rethrown untouched, store failures
 * become engine errors (an injected step failpoint keeps its "injected failpoint triggered"
 * text), and anything else is a bug in the model and is rethrown as is.
 */
export function asEngineError(e: unknown): EngineError {
  rethrowDeath(e);
  if (e instanceof EngineError) return e;
  if (e instanceof StoreError) {
    return new EngineError(e.code === "injected" ? "injected" : "storage", e.message, e.key);
  }
  throw e;
}

export function corruptObject(key: string, detail: string): EngineError {
  return new EngineError("corrupt_object", `object '${key}' is corrupt: ${detail}`, key);
}
