import type { FailpointName, StepLabel } from "../catalog/failpoints.ts";
import { type Clock, SimClock } from "./clock.ts";
import type { DefectName } from "./defects.ts";
import { Failpoints } from "./failpoints/Failpoints.ts";
import { type FaultLayer, NoFaults } from "./faults.ts";
import { type Ids, UlidIds } from "./ids.ts";
import { BudgetExceeded, Process, ProcessDeath, type ProcessHost } from "./process.ts";
import { Rng } from "./rng.ts";
import { MemoryStore } from "./store/MemoryStore.ts";
import type { ObjectStore } from "./store/ObjectStore.ts";
import { Trace, type TraceEvent } from "./trace.ts";

/**
 * A store-level write trigger. `count` only learns how many durable writes a run makes (W);
 * `kill` kills the writing process at its k-th durable write (1-based), before the write lands.
 */
export type WriteTrigger =
  | { readonly mode: "off" }
  | { readonly mode: "count" }
  | { readonly mode: "kill"; readonly k: number; readonly only?: (proc: Process) => boolean };

/**
 * A world's state at a quiet moment (no process running, nothing armed), for another world to
 * adopt: how universes share one birth. Immutable once taken; adopting copies what it changes.
 */
export interface WorldSnapshot {
  readonly store: MemoryStore;
  readonly clockMs: number;
  /** Processes spawned so far: the adopter's next pid follows them. */
  readonly processCount: number;
  readonly events: readonly TraceEvent[];
  readonly calls: number;
  readonly totalWrites: number;
  readonly reached: ReadonlyArray<readonly [FailpointName, number]>;
}

export interface WorldParts {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly ids?: Ids;
  readonly env?: Readonly<Record<string, string>>;
  readonly defects?: Iterable<DefectName>;
  readonly trace?: boolean;
}

/**
 * Everything one universe owns: object store, clock, ids, random source, failpoints,
 * processes and trace. There is no module-level mutable state anywhere in src/: two worlds in
 * one process never interfere.
 */
export class World implements ProcessHost {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly ids: Ids;
  readonly failpoints: Failpoints;
  readonly trace: Trace;
  readonly env: Readonly<Record<string, string>>;
  readonly defects: ReadonlySet<DefectName>;
  faults: FaultLayer;
  /** A scheduler hook: awaited before every store call of every process (concurrent actors). */
  gate: ((proc: Process) => Promise<void>) | undefined = undefined;
  writeTrigger: WriteTrigger = { mode: "off" };
  /** Durable writes attempted since the trigger was last set. */
  writes = 0;
  /** Store calls made in the world's whole life, and the most it may make. */
  calls = 0;
  callBudget = Number.POSITIVE_INFINITY;
  /** Durable writes attempted in the world's whole life (every process). */
  totalWrites = 0;
  /**
   * World-wide kill points, by position in `totalWrites`: whoever makes that write dies before
   * it lands. Independent of `writeTrigger`, so crash-state enumeration can place deaths
   * across steps (including the recovery after an earlier death).
   */
  killAtTotal: readonly number[] = [];
  private readonly procs: Process[] = [];
  /** Processes of an adopted snapshot's world: pids continue after them. */
  private pidBase = 0;

  constructor(parts: WorldParts) {
    this.store = parts.store;
    this.clock = parts.clock;
    this.rng = parts.rng;
    this.ids =
      parts.ids ??
      new UlidIds(
        parts.clock,
        (
          (r) => () =>
            r.next()
        )(parts.rng.child("ids")),
      );
    this.failpoints = new Failpoints(parts.rng.child("failpoints"));
    this.trace = new Trace(parts.trace ?? true);
    this.env = parts.env ?? {};
    this.defects = new Set(parts.defects ?? []);
    this.faults = new NoFaults(this.store);
  }

  /** A fully simulated world: memory store, simulated clock, ids and rng from the seed tree. */
  static simulated(
    seed: number | string,
    opts: Partial<Omit<WorldParts, "rng" | "clock">> & { clock?: Clock } = {},
  ): World {
    return new World({
      store: opts.store ?? new MemoryStore(),
      clock: opts.clock ?? new SimClock(),
      rng: Rng.root(seed),
      ...(opts.ids ? { ids: opts.ids } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.defects ? { defects: opts.defects } : {}),
      ...(opts.trace !== undefined ? { trace: opts.trace } : {}),
    });
  }

  hasDefect(d: DefectName): boolean {
    return this.defects.has(d);
  }

  spawn(name: string): Process {
    const p = new Process(this, this.pidBase + this.procs.length + 1, name);
    this.procs.push(p);
    this.trace.push({ t: "spawn", pid: p.pid, name });
    return p;
  }

  get processes(): readonly Process[] {
    return this.procs;
  }

  /**
   * This world's state, for `adopt`. Needs a memory store and a simulated clock; take it between
   * steps (the caller's duty: a process mid-call would leave half its work in the snapshot).
   */
  snapshot(): WorldSnapshot {
    if (!(this.store instanceof MemoryStore) || !(this.clock instanceof SimClock))
      throw new Error("only a simulated world (memory store, simulated clock) can be snapshotted");
    return {
      store: this.store.clone(),
      clockMs: this.clock.peek(),
      processCount: this.pidBase + this.procs.length,
      events: Object.freeze([...this.trace.events]),
      calls: this.calls,
      totalWrites: this.totalWrites,
      reached: [...this.failpoints.reached.entries()],
    };
  }

  /**
   * Continues from `s` as if this world had lived it: store contents, time, pids, trace,
   * counters and reach counts. Randomness stays this world's own (its seed tree), so worlds
   * adopting one snapshot diverge from there by seed.
   */
  adopt(s: WorldSnapshot): void {
    if (!(this.store instanceof MemoryStore) || !(this.clock instanceof SimClock))
      throw new Error("only a simulated world (memory store, simulated clock) can adopt");
    if (this.procs.length > 0 || this.calls > 0)
      throw new Error("a world adopts a snapshot only before it has run anything");
    this.store.restore(s.store);
    this.clock.set(s.clockMs);
    this.pidBase = s.processCount;
    for (const e of s.events) this.trace.push(e);
    this.calls = s.calls;
    this.totalWrites = s.totalWrites;
    this.failpoints.adoptReached(s.reached);
  }

  setWriteTrigger(t: WriteTrigger): void {
    this.writeTrigger = t;
    this.writes = 0;
  }

  /** Called by every process before each store call; enforces the call budget. */
  noteCall(): void {
    if (++this.calls > this.callBudget) throw new BudgetExceeded(this.callBudget);
  }

  /** Called by every process before each durable write; may kill the writer. */
  noteDurableWrite(proc: Process, step: StepLabel, key: string): void {
    this.totalWrites++;
    if (this.killAtTotal.length > 0 && this.killAtTotal.includes(this.totalWrites)) {
      proc.die(`killed at durable write #${this.totalWrites} of the world (${step} ${key})`);
    }
    const t = this.writeTrigger;
    if (t.mode === "off") return;
    if (t.mode === "kill" && t.only !== undefined && !t.only(proc)) return;
    this.writes++;
    if (t.mode === "kill" && this.writes === t.k) {
      proc.die(`killed at durable write ${t.k} (${step} ${key})`);
    }
  }

  /**
   * Runs `body` as process `proc`, turning its death into data. Whatever the body's catch and
   * finally blocks did after the death, the store is unchanged by them (calls are refused).
   * When the body has settled the process's step is over: a store call it left open is
   * traced (`Process.endRun`).
   */
  static async run<T>(
    proc: Process,
    body: () => Promise<T>,
  ): Promise<
    | { readonly kind: "returned"; readonly value: T }
    | { readonly kind: "died"; readonly cause: string }
  > {
    try {
      const value = await body();
      if (!proc.alive) return { kind: "died", cause: proc.deathCause ?? "dead" };
      return { kind: "returned", value };
    } catch (e) {
      if (e instanceof ProcessDeath || !proc.alive)
        return { kind: "died", cause: proc.deathCause ?? String(e) };
      throw e;
    } finally {
      proc.endRun();
    }
  }
}
