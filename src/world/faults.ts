import type { Process } from "./process.ts";
import type { ObjectStore, Versioned } from "./store/ObjectStore.ts";

/**
 * The layer between a process and the raw store where storage faults are injected. The
 * default passes every call straight through; the simulator swaps in a fault plan.
 */
export interface FaultLayer {
  get(proc: Process, key: string): Promise<Versioned | null>;
  exists(proc: Process, key: string): Promise<boolean>;
  list(proc: Process, dir: string): Promise<string[]>;
  put(proc: Process, key: string, text: string): Promise<string>;
  putIfAbsent(proc: Process, key: string, text: string): Promise<boolean>;
  putIfMatch(proc: Process, key: string, text: string, token: string): Promise<string | null>;
  delete(proc: Process, key: string): Promise<void>;
  deletePrefix(proc: Process, prefix: string): Promise<void>;
  rename(proc: Process, from: string, to: string): Promise<void>;
}

export class NoFaults implements FaultLayer {
  constructor(private readonly store: ObjectStore) {}
  get(_p: Process, key: string) {
    return this.store.get(key);
  }
  exists(_p: Process, key: string) {
    return this.store.exists(key);
  }
  list(_p: Process, dir: string) {
    return this.store.list(dir);
  }
  put(_p: Process, key: string, text: string) {
    return this.store.put(key, text);
  }
  putIfAbsent(_p: Process, key: string, text: string) {
    return this.store.putIfAbsent(key, text);
  }
  putIfMatch(_p: Process, key: string, text: string, token: string) {
    return this.store.putIfMatch(key, text, token);
  }
  delete(_p: Process, key: string) {
    return this.store.delete(key);
  }
  deletePrefix(_p: Process, prefix: string) {
    return this.store.deletePrefix(prefix);
  }
  rename(_p: Process, from: string, to: string) {
    return this.store.rename(from, to);
  }
}
