import type { ObjectStore, Versioned } from "./store/ObjectStore.ts";

/**
 * Who is calling: a fault layer records damage and trace lines by pid and needs nothing else
 * of a process, so it does not depend on `Process` (that would close the cycle process ->
 * world -> faults -> process).
 */
export interface FaultCaller {
  readonly pid: number;
}

/**
 * The layer between a process and the raw store where storage faults are injected. The
 * default passes every call straight through; the simulator swaps in a fault plan.
 */
export interface FaultLayer {
  get(caller: FaultCaller, key: string): Promise<Versioned | null>;
  exists(caller: FaultCaller, key: string): Promise<boolean>;
  list(caller: FaultCaller, dir: string): Promise<string[]>;
  put(caller: FaultCaller, key: string, text: string): Promise<string>;
  putIfAbsent(caller: FaultCaller, key: string, text: string): Promise<boolean>;
  putIfMatch(caller: FaultCaller, key: string, text: string, token: string): Promise<string | null>;
  delete(caller: FaultCaller, key: string): Promise<void>;
  deletePrefix(caller: FaultCaller, prefix: string): Promise<void>;
  rename(caller: FaultCaller, from: string, to: string): Promise<void>;
}

export class NoFaults implements FaultLayer {
  constructor(private readonly store: ObjectStore) {}
  get(_c: FaultCaller, key: string) {
    return this.store.get(key);
  }
  exists(_c: FaultCaller, key: string) {
    return this.store.exists(key);
  }
  list(_c: FaultCaller, dir: string) {
    return this.store.list(dir);
  }
  put(_c: FaultCaller, key: string, text: string) {
    return this.store.put(key, text);
  }
  putIfAbsent(_c: FaultCaller, key: string, text: string) {
    return this.store.putIfAbsent(key, text);
  }
  putIfMatch(_c: FaultCaller, key: string, text: string, token: string) {
    return this.store.putIfMatch(key, text, token);
  }
  delete(_c: FaultCaller, key: string) {
    return this.store.delete(key);
  }
  deletePrefix(_c: FaultCaller, prefix: string) {
    return this.store.deletePrefix(prefix);
  }
  rename(_c: FaultCaller, from: string, to: string) {
    return this.store.rename(from, to);
  }
}
