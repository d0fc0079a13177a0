import type { Clock } from "../../src/world/clock.ts";
import type { FaultLayer } from "../../src/world/faults.ts";
import type { Process } from "../../src/world/process.ts";
import type { Rng } from "../../src/world/rng.ts";
import { type ObjectStore, StoreError, type Versioned } from "../../src/world/store/ObjectStore.ts";
import type { Trace } from "../../src/world/trace.ts";
import type { StepFault } from "../scenario/schema.ts";
import { describePlan, type FaultKind, type FaultPlan } from "./FaultPlan.ts";

/** What was injected where: oracles tell "detected or harmless" from a silent wrong answer. */
export interface Damage {
  readonly kind: FaultKind;
  readonly key: string;
  readonly pid: number;
}

/** A fault as it hit: the step it hit in, pinned by call (replayable step data). */
export interface InjectedFault {
  readonly step: number;
  readonly fault: StepFault;
}

/**
 * A fault layer over the raw store, in one of two modes. Drawn: it executes a FaultPlan,
 * deciding every call by the universe's fault stream (swarm weather). Scripted: it fires
 * exactly the faults a step lists, at the calls they are pinned to, and draws nothing. Either
 * way every injection is recorded in the damage ledger and the trace, and every fault, latency
 * included, is also recorded pinned to its step and call: a drawn universe's faults replay as
 * a scripted one's, which is what lets shrinking work on universes with storage weather.
 *
 * Staleness keeps a bounded history of past values per key (one tick = one landed write);
 * conditional writes always act on the head, as on real stores.
 */
export class FaultyStore implements FaultLayer {
  readonly damage: Damage[] = [];
  readonly injected: InjectedFault[] = [];
  private tick = 0;
  /** Per key: [tick it was written, value or null for deleted], newest last, bounded. */
  private readonly history = new Map<string, Array<readonly [number, string | null]>>();
  private readonly listHistory = new Map<string, Array<readonly [number, string[]]>>();
  /** The step calls are pinned to, and calls made through this layer in it so far. */
  private step = -1;
  private calls = 0;
  /** Scripted mode: the current step's faults by call; null in drawn mode. */
  private script: Map<number, StepFault[]> | null = null;
  /** Scripted mode: the faults of the call in progress. */
  private current: readonly StepFault[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly plan: FaultPlan,
    private readonly rng: Rng,
    private readonly clock: Clock,
    private readonly trace: Trace,
  ) {}

  /** A layer that fires only what steps list (see `beginStep`); it draws nothing from `rng`. */
  static scripted(store: ObjectStore, rng: Rng, clock: Clock, trace: Trace): FaultyStore {
    const f = new FaultyStore(store, { rates: {}, maxLag: 0, maxLatencyMs: 1 }, rng, clock, trace);
    f.script = new Map();
    return f;
  }

  get isScripted(): boolean {
    return this.script !== null;
  }

  /** The report's fault-plan text: the drawn plan, or what a scripted layer injected. */
  describe(): string {
    if (this.script === null) return describePlan(this.plan);
    const kinds = [...new Set(this.injected.map((i) => i.fault.kind))].sort();
    return `scripted: ${this.injected.length} fault(s) pinned to steps${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}`;
  }

  /** Calls from now on belong to step `index`; in scripted mode, `faults` are what it gets. */
  beginStep(index: number, faults: readonly StepFault[] = []): void {
    this.step = index;
    this.calls = 0;
    if (this.script === null) return;
    this.script = new Map();
    for (const f of faults) this.script.set(f.at, [...(this.script.get(f.at) ?? []), f]);
  }

  /** Every call through the layer starts here: it is the step's next call. */
  private enter(): void {
    this.calls++;
    if (this.script !== null) this.current = this.script.get(this.calls) ?? [];
  }

  private fires(kind: FaultKind): boolean {
    if (this.script !== null) return this.current.some((f) => f.kind === kind);
    const r = this.plan.rates[kind];
    return r !== undefined && r > 0 && this.rng.chance(r);
  }

  /** The fault's drawn parameter: `draw()` in drawn mode, the recorded one when scripted. */
  private arg(kind: FaultKind, draw: () => number): number | undefined {
    if (this.script === null) return draw();
    return this.current.find((f) => f.kind === kind)?.arg;
  }

  private pin(kind: FaultKind, arg?: number): void {
    this.injected.push({
      step: this.step,
      fault: arg === undefined ? { at: this.calls, kind } : { at: this.calls, kind, arg },
    });
  }

  private record(kind: FaultKind, key: string, proc: Process, arg?: number): void {
    this.damage.push({ kind, key, pid: proc.pid });
    this.trace.push({ t: "fault", pid: proc.pid, kind, key });
    this.pin(kind, arg);
  }

  private async latency(): Promise<void> {
    if (!this.fires("latency")) return;
    const ms = this.arg("latency", () => this.rng.range(1, this.plan.maxLatencyMs));
    if (ms === undefined) return;
    this.pin("latency", ms);
    await this.clock.sleep(ms);
  }

  private landed(key: string, value: string | null): void {
    this.tick++;
    const h = this.history.get(key) ?? [];
    h.push([this.tick, value]);
    if (h.length > 8) h.shift();
    this.history.set(key, h);
  }

  private async writeFault(proc: Process, key: string): Promise<"lose" | "misdirect" | null> {
    await this.latency();
    if (this.fires("write-error")) {
      this.record("write-error", key, proc);
      throw new StoreError("io", key, `injected write error on '${key}'`);
    }
    if (this.fires("lost-write")) {
      this.record("lost-write", key, proc);
      return "lose";
    }
    if (this.fires("misdirected-write")) {
      this.record("misdirected-write", key, proc);
      return "misdirect";
    }
    return null;
  }

  private ackLoss(proc: Process, key: string): void {
    if (this.fires("ack-loss")) {
      this.record("ack-loss", key, proc);
      throw new StoreError("io", key, `lost acknowledgement for '${key}' (the write landed)`);
    }
  }

  private misdirected(key: string): string {
    const slash = key.lastIndexOf("/");
    return slash < 0
      ? `misdirected-${key}`
      : `${key.slice(0, slash)}/misdirected-${key.slice(slash + 1)}`;
  }

  /**
   * A past value from `h` for a stale answer: drawn, the oldest within the plan's lag; scripted,
   * the one exactly `back` landed writes ago. Returns it with how far back it is.
   */
  private stale<V>(
    kind: "stale-read" | "stale-list",
    h: ReadonlyArray<readonly [number, V]> | undefined,
  ): { readonly value: V; readonly back: number } | undefined {
    const back = this.arg(kind, () => {
      const old = h?.find(([t]) => t >= this.tick - this.plan.maxLag && t < this.tick);
      return old === undefined ? -1 : this.tick - old[0];
    });
    if (back === undefined || back < 1) return undefined;
    const old = h?.find(([t]) => t === this.tick - back);
    return old === undefined ? undefined : { value: old[1], back };
  }

  async get(proc: Process, key: string): Promise<Versioned | null> {
    this.enter();
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", key, proc);
      throw new StoreError("io", key, `injected read error on '${key}'`);
    }
    if (this.fires("stale-read")) {
      const old = this.stale("stale-read", this.history.get(key));
      if (old !== undefined) {
        this.record("stale-read", key, proc, old.back);
        return old.value === null ? null : { text: old.value, token: "stale" };
      }
    }
    const v = await this.store.get(key);
    if (v !== null && v.text.length > 1 && this.fires("truncated-read")) {
      const keep = this.arg("truncated-read", () => this.rng.int(v.text.length));
      if (keep !== undefined && keep < v.text.length) {
        this.record("truncated-read", key, proc, keep);
        return { text: v.text.slice(0, keep), token: v.token };
      }
    }
    if (v !== null && v.text.length > 0 && this.fires("corrupt-read")) {
      const i = this.arg("corrupt-read", () => this.rng.int(v.text.length));
      if (i !== undefined && i < v.text.length) {
        this.record("corrupt-read", key, proc, i);
        const flipped = String.fromCharCode(v.text.charCodeAt(i) ^ 0x01 || 0x20);
        return { text: v.text.slice(0, i) + flipped + v.text.slice(i + 1), token: v.token };
      }
    }
    return v;
  }

  async exists(proc: Process, key: string): Promise<boolean> {
    this.enter();
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", key, proc);
      throw new StoreError("io", key, `injected read error on '${key}'`);
    }
    return this.store.exists(key);
  }

  async list(proc: Process, dir: string): Promise<string[]> {
    this.enter();
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", dir, proc);
      throw new StoreError("io", dir, `injected listing error on '${dir}'`);
    }
    const now = await this.store.list(dir);
    const h = this.listHistory.get(dir) ?? [];
    if (this.fires("stale-list")) {
      const old = this.stale("stale-list", h);
      if (old !== undefined) {
        this.record("stale-list", dir, proc, old.back);
        return [...old.value];
      }
    }
    const last = h[h.length - 1];
    if (!last || last[1].join("\n") !== now.join("\n")) {
      h.push([this.tick, now]);
      if (h.length > 8) h.shift();
      this.listHistory.set(dir, h);
    }
    return now;
  }

  async put(proc: Process, key: string, text: string): Promise<string> {
    this.enter();
    const f = await this.writeFault(proc, key);
    if (f === "lose") return "lost";
    const target = f === "misdirect" ? this.misdirected(key) : key;
    const token = await this.store.put(target, text);
    this.landed(target, text);
    this.ackLoss(proc, key);
    return token;
  }

  async putIfAbsent(proc: Process, key: string, text: string): Promise<boolean> {
    this.enter();
    const f = await this.writeFault(proc, key);
    if (f === "lose") return true;
    const target = f === "misdirect" ? this.misdirected(key) : key;
    const ok = await this.store.putIfAbsent(target, text);
    if (ok) this.landed(target, text);
    this.ackLoss(proc, key);
    return ok;
  }

  async putIfMatch(
    proc: Process,
    key: string,
    text: string,
    token: string,
  ): Promise<string | null> {
    this.enter();
    await this.latency();
    if (this.fires("write-error")) {
      this.record("write-error", key, proc);
      throw new StoreError("io", key, `injected write error on '${key}'`);
    }
    const r = await this.store.putIfMatch(key, text, token);
    if (r !== null) this.landed(key, text);
    this.ackLoss(proc, key);
    return r;
  }

  async delete(proc: Process, key: string): Promise<void> {
    this.enter();
    const f = await this.writeFault(proc, key);
    if (f !== null) return;
    await this.store.delete(key);
    this.landed(key, null);
    this.ackLoss(proc, key);
  }

  async deletePrefix(proc: Process, prefix: string): Promise<void> {
    this.enter();
    const f = await this.writeFault(proc, prefix);
    if (f !== null) return;
    await this.store.deletePrefix(prefix);
    this.landed(prefix, null);
    this.ackLoss(proc, prefix);
  }

  async rename(proc: Process, from: string, to: string): Promise<void> {
    this.enter();
    const f = await this.writeFault(proc, to);
    if (f === "lose") return;
    const moved = (await this.store.get(from))?.text ?? null;
    const target = f === "misdirect" ? this.misdirected(to) : to;
    await this.store.rename(from, target);
    this.landed(from, null);
    this.landed(target, moved);
    this.ackLoss(proc, to);
  }
}
