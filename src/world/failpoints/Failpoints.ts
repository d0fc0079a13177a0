import { type FailpointName, isFailpointName } from "../../catalog/failpoints.ts";
import type { Rng } from "../rng.ts";
import { formatTerm, parseTerm, type TermStep } from "./terms.ts";

/** What a reached failpoint tells its call site to do. */
export type Firing =
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "crash" }
  | { readonly kind: "probe" }
  | { readonly kind: "callback"; readonly run: FailpointCallback };

export interface FailpointContext {
  readonly name: FailpointName;
  /** The name of the process that reached it. */
  readonly process: string;
}

/** A callback may act on the world (e.g. simulate a concurrent writer) and may fail the call. */
export type FailpointCallback = (
  ctx: FailpointContext,
) => Promise<"continue" | "error"> | "continue" | "error";

/**
 * A fault placed at run time rather than by name (BUGGIFY's way): consulted at each reached
 * failpoint that nothing is armed at, it answers whether to fail there. `reached` counts this
 * evaluation, so a path passed for the first time in the world sees 1.
 */
export type DynamicFault = (name: FailpointName, reached: number) => "crash" | "error" | null;

interface Armed {
  readonly steps: readonly TermStep[];
  readonly callback?: FailpointCallback;
  index: number;
  used: number;
}

export class FailpointConfigError extends Error {
  constructor(
    readonly code: "failpoint_term_invalid" | "failpoint_unknown",
    message: string,
  ) {
    super(message);
    this.name = "FailpointConfigError";
  }
}

/**
 * A world's failpoint registry. Never global: each universe owns one, so two universes in
 * one process (or one worker thread) never see each other's failpoints.
 */
export class Failpoints {
  private readonly armed = new Map<FailpointName, Armed>();
  /** How often each failpoint was reached (armed or not), in first-reached order. */
  readonly reached = new Map<FailpointName, number>();
  /** How often each failpoint fired a non-off task. */
  readonly fired = new Map<FailpointName, number>();
  /** The same, split by task: keys are `<name> <task>` (task: error, crash, probe, callback). */
  readonly firedByTask = new Map<string, number>();
  /**
   * Off: every failpoint is carried on past without being counted (bench's bare runs only;
   * a universe's failpoints are always on).
   */
  enabled = true;
  /** Evaluations so far, and at which one each failpoint was last reached. */
  private evaluations = 0;
  /** The current step's run-time fault, if it has one. */
  dynamic: DynamicFault | null = null;
  private readonly lastReached = new Map<FailpointName, number>();

  /** A mark to pass to `reachedSince` later. */
  get mark(): number {
    return this.evaluations;
  }

  /** The failpoints reached since `mark` was taken, in first-reached order. */
  reachedSince(mark: number): FailpointName[] {
    const out: FailpointName[] = [];
    if (mark === this.evaluations) return out;
    for (const [name, at] of this.lastReached) if (at > mark) out.push(name);
    return out;
  }

  /** Crashes and injected errors fired so far (what a crash budget counts). */
  faultsFired = 0;

  private fire(name: FailpointName, task: string): void {
    if (task === "crash" || task === "error") this.faultsFired++;
    this.fired.set(name, (this.fired.get(name) ?? 0) + 1);
    const key = `${name} ${task}`;
    this.firedByTask.set(key, (this.firedByTask.get(key) ?? 0) + 1);
  }

  constructor(private readonly rng: Rng) {}

  /** Takes reach counts lived by another world (an adopted snapshot) as this one's. */
  adoptReached(counts: ReadonlyArray<readonly [FailpointName, number]>): void {
    for (const [name, n] of counts) this.reached.set(name, (this.reached.get(name) ?? 0) + n);
  }

  /** Arms `name` with a fail-rs term; throws FailpointConfigError on a bad name or term. */
  set(name: string, term: string): void {
    if (!isFailpointName(name)) {
      throw new FailpointConfigError(
        "failpoint_unknown",
        `unknown failpoint '${name}' (see \`pnpm sim catalog\`)`,
      );
    }
    const parsed = parseTerm(term);
    if (!parsed.ok) throw new FailpointConfigError(parsed.code, parsed.message);
    this.armed.set(name, { steps: parsed.steps, index: 0, used: 0 });
  }

  /** Arms `name` with a callback that runs every time it is reached. */
  setCallback(name: FailpointName, callback: FailpointCallback): void {
    this.armed.set(name, { steps: [{ task: "off", probability: 1 }], callback, index: 0, used: 0 });
  }

  clear(name: FailpointName): void {
    this.armed.delete(name);
  }

  clearAll(): void {
    this.armed.clear();
    this.dynamic = null;
  }

  isArmed(name: FailpointName): boolean {
    return this.armed.has(name);
  }

  describe(): Array<[FailpointName, string]> {
    return [...this.armed.entries()]
      .map(([n, a]): [FailpointName, string] => [n, a.callback ? "callback" : formatTerm(a.steps)])
      .sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }

  /** Records that `name` was reached and resolves what it does now; null = carry on. */
  evaluate(name: FailpointName): Firing | null {
    if (!this.enabled) return null;
    this.reached.set(name, (this.reached.get(name) ?? 0) + 1);
    this.lastReached.set(name, ++this.evaluations);
    const a = this.armed.get(name);
    if (a === undefined) {
      const task = this.dynamic?.(name, this.reached.get(name) ?? 1) ?? null;
      if (task === null) return null;
      // Exactly what an armed `1*<task>` term does, so the step replays as that term.
      this.fire(name, task);
      return task === "crash"
        ? { kind: "crash" }
        : { kind: "error", message: `injected failpoint triggered: ${name}` };
    }
    if (a.callback) {
      this.fire(name, "callback");
      return { kind: "callback", run: a.callback };
    }
    const step = a.steps[a.index];
    if (step === undefined) return null;
    if (step.probability < 1 && !this.rng.chance(step.probability)) return null;
    a.used++;
    if (step.count !== undefined && a.used >= step.count) {
      a.index++;
      a.used = 0;
    }
    switch (step.task) {
      case "off":
        return null;
      case "probe":
        this.fire(name, "probe");
        return { kind: "probe" };
      case "crash":
        this.fire(name, "crash");
        return { kind: "crash" };
      case "error":
        this.fire(name, "error");
        return { kind: "error", message: step.arg ?? `injected failpoint triggered: ${name}` };
    }
  }
}
