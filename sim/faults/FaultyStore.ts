import type { Clock } from "../../src/world/clock.ts";
import type { FaultLayer } from "../../src/world/faults.ts";
import type { Process } from "../../src/world/process.ts";
import type { Rng } from "../../src/world/rng.ts";
import { type ObjectStore, StoreError, type Versioned } from "../../src/world/store/ObjectStore.ts";
import type { Trace } from "../../src/world/trace.ts";
import type { FaultKind, FaultPlan } from "./FaultPlan.ts";

/** What was injected where: oracles tell "detected or harmless" from a silent wrong answer. */
export interface Damage {
  readonly kind: FaultKind;
  readonly key: string;
  readonly pid: number;
}

/**
 * A fault layer executing a FaultPlan over the raw store. Every injection is recorded in the
 * damage ledger and the trace. Staleness keeps a bounded history of past values per key (one
 * tick = one landed write); conditional writes always act on the head, as on real stores.
 */
export class FaultyStore implements FaultLayer {
  readonly damage: Damage[] = [];
  private tick = 0;
  /** Per key: [tick it was written, value or null for deleted], newest last, bounded. */
  private readonly history = new Map<string, Array<readonly [number, string | null]>>();
  private readonly listHistory = new Map<string, Array<readonly [number, string[]]>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly plan: FaultPlan,
    private readonly rng: Rng,
    private readonly clock: Clock,
    private readonly trace: Trace,
  ) {}

  private fires(kind: FaultKind): boolean {
    const r = this.plan.rates[kind];
    return r !== undefined && r > 0 && this.rng.chance(r);
  }

  private record(kind: FaultKind, key: string, proc: Process): void {
    this.damage.push({ kind, key, pid: proc.pid });
    this.trace.push({ t: "fault", pid: proc.pid, kind, key });
  }

  private async latency(): Promise<void> {
    if (this.fires("latency")) await this.clock.sleep(this.rng.range(1, this.plan.maxLatencyMs));
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

  async get(proc: Process, key: string): Promise<Versioned | null> {
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", key, proc);
      throw new StoreError("io", key, `injected read error on '${key}'`);
    }
    if (this.fires("stale-read")) {
      const h = this.history.get(key);
      const lagged = h?.filter(([t]) => t >= this.tick - this.plan.maxLag && t < this.tick);
      const old = lagged?.[0];
      if (old !== undefined) {
        this.record("stale-read", key, proc);
        return old[1] === null ? null : { text: old[1], token: "stale" };
      }
    }
    const v = await this.store.get(key);
    if (v !== null && v.text.length > 1 && this.fires("truncated-read")) {
      this.record("truncated-read", key, proc);
      return { text: v.text.slice(0, this.rng.int(v.text.length)), token: v.token };
    }
    if (v !== null && v.text.length > 0 && this.fires("corrupt-read")) {
      this.record("corrupt-read", key, proc);
      const i = this.rng.int(v.text.length);
      const flipped = String.fromCharCode(v.text.charCodeAt(i) ^ 0x01 || 0x20);
      return { text: v.text.slice(0, i) + flipped + v.text.slice(i + 1), token: v.token };
    }
    return v;
  }

  async exists(proc: Process, key: string): Promise<boolean> {
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", key, proc);
      throw new StoreError("io", key, `injected read error on '${key}'`);
    }
    return this.store.exists(key);
  }

  async list(proc: Process, dir: string): Promise<string[]> {
    await this.latency();
    if (this.fires("read-error")) {
      this.record("read-error", dir, proc);
      throw new StoreError("io", dir, `injected listing error on '${dir}'`);
    }
    const now = await this.store.list(dir);
    const h = this.listHistory.get(dir) ?? [];
    if (this.fires("stale-list")) {
      const old = h.find(([t]) => t >= this.tick - this.plan.maxLag && t < this.tick);
      if (old !== undefined) {
        this.record("stale-list", dir, proc);
        return [...old[1]];
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
    const f = await this.writeFault(proc, key);
    if (f === "lose") return "lost";
    const target = f === "misdirect" ? this.misdirected(key) : key;
    const token = await this.store.put(target, text);
    this.landed(target, text);
    this.ackLoss(proc, key);
    return token;
  }

  async putIfAbsent(proc: Process, key: string, text: string): Promise<boolean> {
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
    const f = await this.writeFault(proc, key);
    if (f !== null) return;
    await this.store.delete(key);
    this.landed(key, null);
    this.ackLoss(proc, key);
  }

  async deletePrefix(proc: Process, prefix: string): Promise<void> {
    const f = await this.writeFault(proc, prefix);
    if (f !== null) return;
    await this.store.deletePrefix(prefix);
    this.landed(prefix, null);
    this.ackLoss(proc, prefix);
  }

  async rename(proc: Process, from: string, to: string): Promise<void> {
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
