import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { World } from "../../src/world/world.ts";
import type { Crash, Race, Step } from "../scenario/schema.ts";
import type { LifeCrash } from "./Universe.ts";

/**
 * Crash arming for one universe's world: a step's crash points (a kill at a durable write, a
 * failpoint in error or crash mode, a novelty crash placed as the step runs), the operator
 * edit racing it, and a plan over the whole life (crash-state enumeration). What a step
 * armed is disarmed after it; where a novelty crash fired is recorded so the step replays
 * as the plain failpoint crash it became.
 */
export class CrashArming {
  /** A life-phase crash plan is armed: any step may die or fail where no `crash` says so. */
  lifeArmed = false;
  constructor(private readonly world: World) {}

  arm(crash: Step["crash"], index: number): void {
    const list: Crash[] = crash === undefined ? [] : Array.isArray(crash) ? crash : [crash];
    for (const c of list) {
      if (c.kind === "kill-at-write") {
        this.world.setWriteTrigger({ mode: "kill", k: c.k });
      } else if (c.kind === "novelty") {
        this.armNovelty(c, index);
      } else {
        const fire = `1*${c.mode}`;
        this.world.failpoints.set(
          c.name,
          c.skip > 0 ? `${c.skip}*off->${fire}->off` : `${fire}->off`,
        );
        this.stepArmed.push(c.name);
      }
    }
  }

  /**
   * A crash placed as the step runs: at each failpoint it reaches (nothing else armed there),
   * a draw from the step's own stream with chance rate / n², n the universe's passes of that
   * point so far. Each firing is recorded (`novel`) with how many times the step had passed
   * that point before, which is the plain failpoint crash the step replays as.
   */
  private armNovelty(c: Extract<Crash, { kind: "novelty" }>, index: number): void {
    const rng = this.world.rng.child("novelty").child(String(index));
    const passes = new Map<FailpointName, number>();
    const only = c.only;
    const fired = this.novel;
    let fresh = 0;
    this.world.failpoints.dynamic = (name, reached) => {
      const before = passes.get(name) ?? 0;
      passes.set(name, before + 1);
      if (fired.length >= c.max || fired.some((f) => f.name === name)) return null;
      if (only !== undefined && !only.some((p) => name.startsWith(p))) return null;
      const life = Math.max(1, reached - (this.birthReached.get(name) ?? 0));
      if (c.nth !== undefined && fired.length === 0) {
        if (life === 1) fresh++;
        if (fresh !== c.nth || life !== 1) return null;
      } else if (!rng.chance(c.rate / (life * life))) return null;
      fired.push({ kind: "failpoint", name, mode: c.mode, skip: before });
      return c.mode;
    };
  }

  /**
   * How often birth passed each failpoint. Every universe of a fixture shares its birth, so
   * rarity is judged on life's passes only: the create path birth walks for each fixture
   * graph is as new to a universe's first add-graph as any path it never took.
   */
  private birthReached: ReadonlyMap<FailpointName, number> = new Map();

  /** Takes birth's reach counts (the universe has just adopted its birth). */
  bornAt(reached: ReadonlyMap<FailpointName, number>): void {
    this.birthReached = new Map(reached);
  }

  /** How often life (birth left out) has passed each failpoint so far. */
  lifeReached(): Map<FailpointName, number> {
    const out = new Map<FailpointName, number>();
    for (const [name, n] of this.world.failpoints.reached) {
      const life = n - (this.birthReached.get(name) ?? 0);
      if (life > 0) out.set(name, life);
    }
    return out;
  }

  /** Where the current step's run-time crashes fired, in firing order. */
  private readonly novel: Array<Extract<Crash, { kind: "failpoint" }>> = [];
  private readonly stepArmed: FailpointName[] = [];

  /**
   * Arms the step's racing edit: the first time the step reaches `race.at`, the operator's
   * edit lands in the working tree and the command carries on. A crash planned at the same
   * failpoint, by the step or by a plan over the whole life (enumeration), takes it instead
   * (noted in the trace).
   */
  armRace(race: Race, crash: Step["crash"], edit: (e: Step) => unknown): void {
    const crashes: Crash[] = crash === undefined ? [] : Array.isArray(crash) ? crash : [crash];
    if (
      crashes.some((c) => c.kind === "failpoint" && c.name === race.at) ||
      this.world.failpoints.isArmed(race.at)
    ) {
      this.world.trace.push({ t: "note", text: `race at ${race.at} yields to the crash there` });
      return;
    }
    let done = false;
    this.world.failpoints.setCallback(race.at, () => {
      if (!done) {
        done = true;
        edit(race.edit as Step);
      }
      return "continue";
    });
    this.stepArmed.push(race.at);
  }

  /** Disarms what the step armed; a universe-wide crash plan (enumeration) stays armed. */
  disarm(): void {
    for (const name of this.stepArmed) this.world.failpoints.clear(name);
    this.stepArmed.length = 0;
    this.world.failpoints.dynamic = null;
    this.world.setWriteTrigger({ mode: "off" });
  }

  /**
   * Arms a crash plan for the whole life phase (crash-state enumeration): kills at the k-th
   * durable write counted from the start of life, and/or one failpoint at its first hit.
   */
  armLife(plan: LifeCrash): void {
    this.lifeArmed = true;
    const base = this.world.totalWrites;
    this.world.killAtTotal = (plan.killAt ?? []).map((k) => base + k);
    if (plan.failpoint)
      this.world.failpoints.set(plan.failpoint.name, `1*${plan.failpoint.mode}->off`);
  }

  /** Ends the life phase's crash plan (the liveness phase is fault-free). */
  disarmLife(): void {
    this.lifeArmed = false;
    this.world.killAtTotal = [];
    this.world.failpoints.clearAll();
  }

  /** `step` with a run-time crash replaced by where it fired (none: without it). */
  placeNovelty(step: Step): Step {
    const c = step.crash;
    if (c === undefined || Array.isArray(c) || c.kind !== "novelty") return step;
    const fired = this.novel.splice(0);
    const { crash: _planned, ...rest } = step;
    if (fired.length === 0) return rest as Step;
    return { ...rest, crash: fired.length === 1 ? fired[0] : fired } as Step;
  }
}
