import type { FailpointName } from "../catalog/failpoints.ts";
import type { Clock } from "./clock.ts";
import type { DefectName } from "./defects.ts";
import type { Firing } from "./failpoints/Failpoints.ts";
import type { Ids } from "./ids.ts";
import {
  type FailpointVerdict,
  type OpenCall,
  ProcessStorage,
  type StorageHost,
} from "./processStorage.ts";
import type { Rng } from "./rng.ts";
import type { Storage } from "./storage.ts";

/**
 * What a process needs of the world it lives in, declared here so this file does not import
 * `World` (which spawns processes: the two would form a cycle). `World` satisfies it; model
 * code reaches the clock, ids, defects and environment through it as `proc.world`.
 */
export interface ProcessHost extends StorageHost<Process> {
  readonly clock: Clock;
  readonly ids: Ids;
  readonly rng: Rng;
  readonly env: Readonly<Record<string, string>>;
  readonly failpoints: { evaluate(name: FailpointName): Firing | null };
  hasDefect(d: DefectName): boolean;
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

export type { FailpointVerdict, OpenCall } from "./processStorage.ts";

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
    this.storage = new ProcessStorage<Process>(this);
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
