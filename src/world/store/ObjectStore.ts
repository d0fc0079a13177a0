/**
 * The raw object-store primitives (spec §0.1). Backends implement this; model code never
 * sees it directly. Model code talks to a process-bound `Storage` (see ../process.ts), which
 * adds step labels, failpoints, death and tracing on top.
 */
export interface Versioned {
  readonly text: string;
  /** Opaque version token: an etag (memory) or sha256 of the content (filesystem). */
  readonly token: string;
}

export interface ObjectStore {
  /** The object and its token, or null when absent. */
  get(key: string): Promise<Versioned | null>;
  /** Unconditional, atomically visible replace. Returns the new token. */
  put(key: string, text: string): Promise<string>;
  /** Atomic create: false when the key already exists (exactly one of N racers wins). */
  putIfAbsent(key: string, text: string): Promise<boolean>;
  /** Conditional replace: null when the current token differs or the key is missing. */
  putIfMatch(key: string, text: string, token: string): Promise<string | null>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** One level: sorted, de-duplicated child names directly under `dir/`; empty when missing. */
  list(dir: string): Promise<string[]>;
  /** Recursive and idempotent. */
  deletePrefix(prefix: string): Promise<void>;
  /** True for an object at `key` or any object under `key/`. */
  exists(key: string): Promise<boolean>;
  /** Moves an object; the source must exist. */
  rename(from: string, to: string): Promise<void>;
}

/** Why a raw store call failed; stable codes, data first. */
export type StoreErrorCode = "not_found" | "io" | "invalid_key" | "injected";

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** Keys are relative, '/'-separated, with no empty, '.' or '..' segments. */
export function checkKey(key: string): void {
  if (INVALID_KEY.test(key))
    throw new StoreError("invalid_key", key, `invalid object key '${key}'`);
}

/** Empty, a leading or trailing '/', an empty segment, or a '.' or '..' segment. */
const INVALID_KEY = /^$|^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)/;

export function normalizeDir(dir: string): string {
  return dir.endsWith("/") ? dir.replace(/\/+$/, "") : dir;
}
