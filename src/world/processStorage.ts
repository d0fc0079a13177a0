import type { FailpointName, StepLabel } from "../catalog/failpoints.ts";
import type { FaultLayer } from "./faults.ts";
import type { Storage } from "./storage.ts";
import { StoreError, type Versioned } from "./store/ObjectStore.ts";
import type { Trace } from "./trace.ts";

/** What a named failpoint asks of its call site after `Process.failpoint` returned. */
export type FailpointVerdict = null | { readonly kind: "error"; readonly message: string };

/**
 * What a process's storage needs of the world: the trace, the fault layer and the gate (both
 * read at every call: the simulator swaps layers between steps, and a scheduler installs its
 * gate for concurrent actors), and the world's call and durable-write accounting. `P` is the
 * process type, so this file need not import `Process` (process.ts builds the storage).
 */
export interface StorageHost<P> {
  readonly trace: Trace;
  readonly faults: FaultLayer;
  readonly gate: ((proc: P) => Promise<void>) | undefined;
  /** Before each store call: enforces the world's call budget. */
  noteCall(): void;
  /** Before each durable write: counts it and may kill the writer. */
  noteDurableWrite(proc: P, step: StepLabel, key: string): void;
}

/** What a process's storage needs of the process: its life, its open calls, its failpoints. */
export interface StorageOwner<P> {
  readonly pid: number;
  readonly world: StorageHost<P>;
  checkAlive(): void;
  beginCall(call: OpenCall): void;
  closeCall(call: OpenCall): void;
  failpoint(name: FailpointName): FailpointVerdict | Promise<FailpointVerdict>;
}

/** One store call of a process, from its first line until it has settled and been awaited. */
export interface OpenCall {
  readonly op: string;
  readonly key: string;
  readonly step: StepLabel | undefined;
  settled: boolean;
  awaited: boolean;
}

/**
 * A durable write's promise, which notices being awaited: `await`, `return`, `.then`,
 * `.catch` and `Promise.all` all call `then` on a promise that is not a plain `Promise`; a
 * floating one is never asked. This is how a missing `await` shows whatever the timing: with
 * the in-memory store a floating write settles within a few microtask turns, usually before
 * its step has unwound, so "still in flight when the step ended" alone would catch it only
 * by luck. Reads are not wrapped (they are the hot path and a floating read changes nothing
 * durable); the lint rule noFloatingPromises covers them before anything runs.
 */
class WriteCall<T> extends Promise<T> {
  // Derived promises (`then`'s result) are plain: only the write itself is watched.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  private call: OpenCall | undefined;
  private proc: Pick<StorageOwner<unknown>, "closeCall"> | undefined;

  static of<T>(
    proc: Pick<StorageOwner<unknown>, "closeCall">,
    call: OpenCall,
    inner: Promise<T>,
  ): WriteCall<T> {
    const w = new WriteCall<T>((resolve, reject) => {
      inner.then(resolve, reject);
    });
    w.call = call;
    w.proc = proc;
    return w;
  }

  // biome-ignore lint/suspicious/noThenProperty: being asked for `then` is how a write knows it is awaited
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    const c = this.call;
    if (c !== undefined && !c.awaited) {
      c.awaited = true;
      this.proc?.closeCall(c);
    }
    return super.then(onFulfilled, onRejected);
  }
}

/** The storage a process sees: the raw store plus death, failpoints, write triggers and tracing. */
export class ProcessStorage<P extends StorageOwner<P>> implements Storage {
  constructor(private readonly proc: P) {}

  private get world(): StorageHost<P> {
    return this.proc.world;
  }

  /** Opens the record of one call; reads count as awaited (see WriteCall). */
  private begin(op: string, key: string, step?: StepLabel): OpenCall {
    const call: OpenCall = { op, key, step, settled: false, awaited: step === undefined };
    this.proc.beginCall(call);
    return call;
  }

  private settle(call: OpenCall): void {
    call.settled = true;
    this.proc.closeCall(call);
  }

  /** The call prologue; a promise only when a scheduler gates the call (concurrent actors). */
  private enter(): Promise<void> | undefined {
    this.proc.checkAlive();
    this.world.noteCall();
    const gate = this.world.gate;
    if (gate === undefined) return undefined;
    return gate(this.proc).then(() => this.proc.checkAlive());
  }

  private record(op: string, key: string, result: string, step?: StepLabel): void {
    const tr = this.world.trace;
    if (!tr.enabled) return;
    tr.push(
      step === undefined
        ? { t: "call", pid: this.proc.pid, op, key, result }
        : { t: "call", pid: this.proc.pid, op, key, step, result },
    );
  }

  /** `<step>.before` or `.after`: synchronous unless a callback is armed there. */
  private stepPoint(
    name: FailpointName,
    step: StepLabel,
    key: string,
    phase: "before" | "after",
  ): Promise<void> | undefined {
    const f = this.proc.failpoint(name);
    if (f instanceof Promise) return f.then((v) => this.injected(v, step, key, phase));
    this.injected(f, step, key, phase);
    return undefined;
  }

  private injected(
    v: FailpointVerdict,
    step: StepLabel,
    key: string,
    phase: "before" | "after",
  ): void {
    if (v === null) return;
    this.record(phase === "before" ? "refuse" : "ackloss", key, `error:injected`, step);
    throw new StoreError("injected", key, v.message);
  }

  /** The write prologue: death check, kill-at-write trigger, `<step>.before`. */
  private beforeWrite(step: StepLabel, key: string): Promise<void> | undefined {
    const g = this.enter();
    if (g !== undefined)
      return g.then(() => {
        this.world.noteDurableWrite(this.proc, step, key);
        return this.stepPoint(`${step}.before`, step, key, "before");
      });
    this.world.noteDurableWrite(this.proc, step, key);
    return this.stepPoint(`${step}.before`, step, key, "before");
  }

  /** A failed read: traced with its error code when the store refused, then rethrown. */
  private readFailed(op: string, key: string, e: unknown): never {
    if (e instanceof StoreError) this.record(op, key, `error:${e.code}`);
    throw e;
  }

  // The three reads are written out rather than shared through a helper taking closures: they
  // are the hottest calls of a universe, and two closures per call showed in the profile.
  async tryReadVersioned(key: string): Promise<Versioned | null> {
    const call = this.begin("get", key);
    try {
      const g = this.enter();
      if (g !== undefined) await g;
      let v: Versioned | null;
      try {
        v = await this.world.faults.get(this.proc, key);
      } catch (e) {
        this.readFailed("get", key, e);
      }
      this.record("get", key, v ? "ok" : "absent");
      return v;
    } finally {
      this.settle(call);
    }
  }

  async readVersioned(key: string): Promise<Versioned> {
    const v = await this.tryReadVersioned(key);
    if (v === null) throw new StoreError("not_found", key, `object '${key}' does not exist`);
    return v;
  }

  async tryRead(key: string): Promise<string | null> {
    return (await this.tryReadVersioned(key))?.text ?? null;
  }

  async read(key: string): Promise<string> {
    return (await this.readVersioned(key)).text;
  }

  async exists(key: string): Promise<boolean> {
    const call = this.begin("exists", key);
    try {
      const g = this.enter();
      if (g !== undefined) await g;
      let v: boolean;
      try {
        v = await this.world.faults.exists(this.proc, key);
      } catch (e) {
        this.readFailed("exists", key, e);
      }
      this.record("exists", key, String(v));
      return v;
    } finally {
      this.settle(call);
    }
  }

  async list(dir: string): Promise<string[]> {
    const call = this.begin("list", dir);
    try {
      const g = this.enter();
      if (g !== undefined) await g;
      let v: string[];
      try {
        v = await this.world.faults.list(this.proc, dir);
      } catch (e) {
        this.readFailed("list", dir, e);
      }
      this.record("list", dir, `${v.length}`);
      return v;
    } finally {
      this.settle(call);
    }
  }

  /** A durable write: its record opens now, its promise notices being awaited (WriteCall). */
  private write<T>(
    step: StepLabel,
    op: string,
    key: string,
    f: () => Promise<T>,
    show: (v: T) => string,
  ): Promise<T> {
    const call = this.begin(op, key, step);
    return WriteCall.of(this.proc, call, this.writeCall(call, step, op, key, f, show));
  }

  private async writeCall<T>(
    call: OpenCall,
    step: StepLabel,
    op: string,
    key: string,
    f: () => Promise<T>,
    show: (v: T) => string,
  ): Promise<T> {
    try {
      const before = this.beforeWrite(step, key);
      if (before !== undefined) await before;
      let v: T;
      try {
        v = await f();
      } catch (e) {
        if (e instanceof StoreError) this.record(op, key, `error:${e.code}`, step);
        throw e;
      }
      this.record(op, key, show(v), step);
      const after = this.stepPoint(`${step}.after`, step, key, "after");
      if (after !== undefined) await after;
      return v;
    } finally {
      this.settle(call);
    }
  }

  put(step: StepLabel, key: string, text: string): Promise<void> {
    return this.write(
      step,
      "put",
      key,
      async () => {
        await this.world.faults.put(this.proc, key, text);
      },
      () => "ok",
    );
  }

  putIfAbsent(step: StepLabel, key: string, text: string): Promise<boolean> {
    return this.write(
      step,
      "putIfAbsent",
      key,
      () => this.world.faults.putIfAbsent(this.proc, key, text),
      String,
    );
  }

  putIfMatch(step: StepLabel, key: string, text: string, token: string): Promise<string | null> {
    return this.write(
      step,
      "putIfMatch",
      key,
      () => this.world.faults.putIfMatch(this.proc, key, text, token),
      (v) => (v === null ? "mismatch" : "ok"),
    );
  }

  delete(step: StepLabel, key: string): Promise<void> {
    return this.write(
      step,
      "delete",
      key,
      () => this.world.faults.delete(this.proc, key),
      () => "ok",
    );
  }

  deletePrefix(step: StepLabel, prefix: string): Promise<void> {
    return this.write(
      step,
      "deletePrefix",
      prefix,
      () => this.world.faults.deletePrefix(this.proc, prefix),
      () => "ok",
    );
  }

  rename(step: StepLabel, from: string, to: string): Promise<void> {
    return this.write(
      step,
      "rename",
      `${from} -> ${to}`,
      () => this.world.faults.rename(this.proc, from, to),
      () => "ok",
    );
  }
}
