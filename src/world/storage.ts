import type { StepLabel } from "../catalog/failpoints.ts";
import type { Versioned } from "./store/ObjectStore.ts";

/**
 * What model code (engine, cluster, server) sees of the object store: the primitives of
 * spec §0.1, bound to one process. Every durable write names its step, so the failpoints
 * `<step>.before` and `<step>.after` exist for it by construction.
 *
 * Failures arrive as `StoreError` (codes: not_found, io, invalid_key, injected). Once the
 * process is dead every call throws `ProcessDeath` and has no effect.
 */
export interface Storage {
  /** The text; StoreError `not_found` when absent. */
  read(key: string): Promise<string>;
  readVersioned(key: string): Promise<Versioned>;
  /** The object, or null when absent. */
  tryReadVersioned(key: string): Promise<Versioned | null>;
  tryRead(key: string): Promise<string | null>;
  exists(key: string): Promise<boolean>;
  list(dir: string): Promise<string[]>;

  put(step: StepLabel, key: string, text: string): Promise<void>;
  putIfAbsent(step: StepLabel, key: string, text: string): Promise<boolean>;
  putIfMatch(step: StepLabel, key: string, text: string, token: string): Promise<string | null>;
  delete(step: StepLabel, key: string): Promise<void>;
  deletePrefix(step: StepLabel, prefix: string): Promise<void>;
  rename(step: StepLabel, from: string, to: string): Promise<void>;
}
