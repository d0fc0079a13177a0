import type { FailpointName, StepLabel } from "../catalog/failpoints.ts";
import type { Clock } from "./clock.ts";
import type { DefectName } from "./defects.ts";
import type { Firing } from "./failpoints/Failpoints.ts";
import type { FaultLayer } from "./faults.ts";
import type { Ids } from "./ids.ts";
import type { Rng } from "./rng.ts";
import type { Storage } from "./storage.ts";
import { StoreError, type Versioned } from "./store/ObjectStore.ts";
import type { Trace } from "./trace.ts";

/**
 * What a process needs of the world it lives in, declared here so this file does not import
 * `World` (which spawns processes: the two would form a cycle). `World` satisfies it; model
 * code reaches the clock, ids, defects and environment through it as `proc.world`.
 */
export interface ProcessHost {
  readonly clock: Clock;
  readonly ids: Ids;
  readonly rng: Rng;
  readonly env: Readonly<Record<string, string>>;
  readonly trace: Trace;
  readonly failpoints: { evaluate(name: FailpointName): Firing | null };
  /** Read at every call: the simulator swaps layers between steps. */
  readonly faults: FaultLayer;
  /** A scheduler hook awaited before every store call (concurrent actors); read at every call. */
  readonly gate: ((proc: Process) => Promise<void>) | undefined;
  hasDefect(d: DefectName): boolean;
  /** Before each store call: enforces the world's call budget. */
  noteCall(): void;
  /** Before each durable write: counts it and may kill the writer. */
  noteDurableWrite(proc: Process, step: StepLabel, key: string): void;
}

/**
 * Thrown to unwind a process that died. It is not an error to handle: whatever `catch` or
 * `finally` blocks run after it, the process can no longer change the store (every call it
 * makes is refused), and the harness judges the operation by the death, not by what the
 * dying code returned.
 */
export class ProcessDeath extends Error {
  constructor(
    readonly process: string,
    readonly deathCause: string,
  ) {
    super(`process ${process} died: ${deathCause}`);
    this.name = "ProcessDeath";
  }
}

/**
 * The world's store-call budget ran out: a universe that loops is cut here and reported, never
 * left to hang. Not a death and not a model error: model code must let it through.
 */
export class BudgetExceeded extends Error {
  constructor(readonly budget: number) {
    super(`store-call budget of ${budget} exhausted (a loop in the model or the harness?)`);
    this.name = "BudgetExceeded";
  }
}

export function isDeath(e: unknown): e is ProcessDeath {
  return e instanceof ProcessDeath;
}

/**
 * Rethrows what must unwind through model code (a ProcessDeath, or the world's exhausted call
 * budget); lets model code write `catch (e) { rethrowDeath(e); ... }`.
 */
export function rethrowDeath(e: unknown): void {
  if (e instanceof ProcessDeath || e instanceof BudgetExceeded) throw e;
}

/** What a named failpoint asks of its call site after `Process.failpoint` returned. */
export type FailpointVerdict = null | { readonly kind: "error"; readonly message: string };

/**
 * A process of the modelled system (a CLI invocation, a server) bound to a world. Its
 * in-memory state lives in the objects it creates; when it dies they are unreachable from any
 * new process, and a restart is simply a new Process over the same store.
 */
export class Process {
  private alive_ = true;
  private cause_: string | undefined;
  readonly storage: Storage;
  /** Set once `World.run` has seen the body it ran this process for settle. */
  private ended = false;
  /** Store calls not yet both settled and awaited (see `endRun`). */
  private readonly open = new Set<OpenCall>();

  constructor(
    readonly world: ProcessHost,
    readonly pid: number,
    readonly name: string,
  ) {
    this.storage = new ProcessStorage(this);
  }

  get alive(): boolean {
    return this.alive_;
  }

  get deathCause(): string | undefined {
    return this.cause_;
  }

  /** Marks the process dead and unwinds it. */
  die(cause: string): never {
    if (this.alive_) {
      this.alive_ = false;
      this.cause_ = cause;
      this.world.trace.push({ t: "death", pid: this.pid, cause });
    }
    throw new ProcessDeath(this.name, this.cause_ ?? cause);
  }

  /** Kill from outside (a scheduler or harness); the process notices at its next call. */
  kill(cause: string): void {
    if (!this.alive_) return;
    this.alive_ = false;
    this.cause_ = cause;
    this.world.trace.push({ t: "death", pid: this.pid, cause });
  }

  /**
   * A store call begins. One that begins after the process's run ended comes from a promise
   * chain its step let go of: traced as such (and still carried out, as a real process whose
   * `main` returned would still carry out what its event loop holds).
   */
  beginCall(call: OpenCall): void {
    if (this.ended) this.traceFloat(call, "begun after its step ended");
    this.open.add(call);
  }

  /** A call settled or was awaited: once both, it is no longer open. */
  closeCall(call: OpenCall): void {
    if (call.settled && call.awaited) this.open.delete(call);
  }

  /**
   * The body `World.run` ran this process for has settled: the step is over for this process.
   * A call still open now is a floating promise in the model: a durable write nobody awaited
   * (its failure, or its landing after the step, would go unseen), or a call still in flight.
   * Each is traced for the harness to judge (sim/universe/floating.ts). Flagging changes
   * nothing in the store: a dead process stays as dead as it was, a live one's write lands.
   */
  endRun(): void {
    if (this.ended) return;
    this.ended = true;
    for (const c of this.open)
      this.traceFloat(c, c.awaited ? "in flight when its step ended" : "never awaited");
  }

  private traceFloat(c: OpenCall, why: string): void {
    this.world.trace.push(
      c.step === undefined
        ? { t: "float", pid: this.pid, op: c.op, key: c.key, why }
        : { t: "float", pid: this.pid, op: c.op, key: c.key, step: c.step, why },
    );
  }

  /** Throws ProcessDeath if this process is dead. */
  checkAlive(): void {
    if (!this.alive_) throw new ProcessDeath(this.name, this.cause_ ?? "dead");
  }

  /**
   * Evaluates a named failpoint. `crash` kills the process here; `error` is returned for the
   * call site to push through its normal error path; callbacks run and may ask for an error.
   */
  failpoint(name: FailpointName): FailpointVerdict | Promise<FailpointVerdict> {
    this.checkAlive();
    const firing = this.world.failpoints.evaluate(name);
    // The common case (nothing armed) answers synchronously: no promise per catalogued step.
    if (firing === null) return null;
    return this.fire(name, firing);
  }

  private async fire(name: FailpointName, firing: Firing): Promise<FailpointVerdict> {
    this.world.trace.push({ t: "fp", pid: this.pid, name, action: firing.kind });
    switch (firing.kind) {
      case "probe":
        return null;
      case "crash":
        return this.die(`crash at ${name}`);
      case "error":
        return { kind: "error", message: firing.message };
      case "callback": {
        const r = await firing.run({ name, process: this.name });
        this.checkAlive();
        return r === "error"
          ? { kind: "error", message: `injected failpoint triggered: ${name}` }
          : null;
      }
    }
  }
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
  private proc: Process | undefined;

  static of<T>(proc: Process, call: OpenCall, inner: Promise<T>): WriteCall<T> {
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
class ProcessStorage implements Storage {
  constructor(private readonly proc: Process) {}

  private get world(): ProcessHost {
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
