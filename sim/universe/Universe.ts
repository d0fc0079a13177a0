import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { WorkTree } from "../../src/cluster/worktree.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import type { DefectName } from "../../src/world/defects.ts";
import { NoFaults } from "../../src/world/faults.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { backendStore, installBackendProfile } from "../../src/world/store/profiles.ts";
import { World } from "../../src/world/world.ts";
import type { FaultyStore } from "../faults/FaultyStore.ts";
import { opSpec } from "../ops/index.ts";
import { stripLegacy } from "../ops/legacyStrip.ts";
import type { ExecEnv } from "../ops/OpSpec.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { Action, Scenario, Step, StepFault } from "../scenario/schema.ts";
import { CrashArming } from "./arming.ts";
import { BIRTH_SEED, type Birth, type BirthCache } from "./birth.ts";
import { cloneDesired, type DesiredConfig, desiredFromFixture, renderWorkTree } from "./desired.ts";
import { MemWorkTree } from "./memWorkTree.ts";
import { type Observation, observe, ROOT_OF } from "./observe.ts";
import type { LivenessRecord, Outcome, StepRecord } from "./records.ts";
import { Scheduler } from "./Scheduler.ts";
import type { ClusterCtx, System } from "./system.ts";

export const CONFIG_DIR = "/cluster";

/** Tokens the simulated server boots with, so graph-bound policies are servable. */
export const SIM_ENV: Readonly<Record<string, string>> = {
  OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"act-reader":"token-reader"}',
};

/** A crash plan over a whole life phase, for crash-state enumeration. */
export interface LifeCrash {
  readonly killAt?: readonly number[];
  readonly failpoint?: { readonly name: FailpointName; readonly mode: "crash" | "error" };
}

export interface UniverseOptions {
  readonly trace: boolean;
}

/**
 * One universe: birth (a fresh world and working tree, the fixture), life (steps, with
 * crashes), and the liveness phase. Judgment is the oracles' business (../oracles), over the
 * records this class keeps.
 */
export class Universe {
  readonly world: World;
  private readonly tree = new MemWorkTree();
  readonly workTree: WorkTree = this.tree;
  desired: DesiredConfig;
  readonly records: StepRecord[] = [];
  liveness: LivenessRecord = {
    ran: false,
    rounds: 0,
    converged: false,
    expectedReady: [],
    ready: [],
    bootOk: false,
    note: "",
  };
  /** Every source text the operator ever wrote, by digest: oracles compare by compiled meaning. */
  readonly sourcesByDigest = new Map<string, string>();
  private lastObs: Observation | null = null;
  /** The life phase's fault layer (drawn or scripted), if any: it pins faults to steps. */
  private layer: FaultyStore | null = null;
  private layerActive = false;
  /** Failpoints each kind of operation has reached so far in this universe. */
  readonly reachedByOp = new Map<string, Set<string>>();
  private readonly arming: CrashArming;

  constructor(
    readonly scenario: Scenario,
    readonly seed: number | string,
    readonly defects: readonly DefectName[],
    readonly system: System,
    opts: UniverseOptions,
  ) {
    const backend = scenario.fixture.backend;
    this.world = World.simulated(seed, {
      store: backendStore(backend),
      defects,
      trace: opts.trace,
      env: SIM_ENV,
    });
    installBackendProfile(this.world, backend);
    this.arming = new CrashArming(this.world);
    this.desired = desiredFromFixture(scenario.fixture);
    this.writeWorkTree();
  }

  get store(): MemoryStore {
    return this.world.store as MemoryStore;
  }

  private writeWorkTree(): void {
    const files = renderWorkTree(this.desired);
    this.tree.replaceDir(CONFIG_DIR, files);
    for (const [, text] of files)
      if (typeof text === "string") this.sourcesByDigest.set(sha256Hex(text), text);
  }

  ctx(name: string): ClusterCtx {
    return { proc: this.world.spawn(name), workTree: this.workTree, configDir: CONFIG_DIR };
  }

  async observe(): Promise<Observation> {
    const ids = this.desired.graphs.map((g) => g.id);
    // An observation is a function of the store's contents and the desired ids: while the
    // store has not changed (its generation) the last one stands.
    const generation = (this.world.store as { readonly generation?: number }).generation;
    const key = generation === undefined ? null : `${generation}\0${ids.join("\0")}`;
    if (key !== null && this.observed?.key === key) return this.observed.obs;
    const obs = await observe(this.world.store, ids);
    if (key !== null) this.observed = { key, obs };
    return obs;
  }

  private observed: { readonly key: string; readonly obs: Observation } | null = null;

  /**
   * Birth: the fixture imported and applied without faults, the ledger aged if asked. It runs
   * in a world of its own (seed BIRTH_SEED) that this one adopts, so every universe of one
   * fixture starts from the same state and a cache can share it; the seed shapes life only.
   */
  async birth(cache?: BirthCache): Promise<void> {
    const w = this.world;
    const key = JSON.stringify([
      this.scenario.fixture,
      this.defects,
      w.trace.enabled,
      w.failpoints.enabled,
      w.callBudget,
    ]);
    const born = cache === undefined ? await this.bear() : await cache.get(key, () => this.bear());
    w.adopt(born.world);
    this.arming.bornAt(w.failpoints.reached);
    for (const [op, names] of born.reachedByOp) this.reachedByOp.set(op, new Set(names));
    this.lastObs = born.obs;
  }

  /** Lives a birth in a fresh world of seed BIRTH_SEED and takes what this universe adopts. */
  private async bear(): Promise<Birth> {
    const mother = new Universe(this.scenario, BIRTH_SEED, this.defects, this.system, {
      trace: this.world.trace.enabled,
    });
    mother.world.failpoints.enabled = this.world.failpoints.enabled;
    mother.world.callBudget = this.world.callBudget;
    await mother.liveBirth();
    return {
      world: mother.world.snapshot(),
      reachedByOp: [...mother.reachedByOp].map(([op, names]) => [op, [...names]] as const),
      obs: mother.lastObs ?? (await mother.observe()),
    };
  }

  private async liveBirth(): Promise<void> {
    const f = this.scenario.fixture;
    if (f.converged) {
      let before = this.world.failpoints.mark;
      const imp = await this.system.importState(this.ctx("birth-import"));
      this.learnReach("import", before);
      before = this.world.failpoints.mark;
      const app = await this.system.apply(this.ctx("birth-apply"), undefined);
      this.learnReach("apply", before);
      if (!app.ok || !app.converged) {
        const codes = [...imp.diagnostics, ...app.diagnostics]
          .map((d) => `${d.code}@${d.path}: ${d.message}`)
          .join("; ");
        throw new Error(`fixture did not converge at birth: ${codes}`);
      }
      if (f.rows > 0) {
        for (const g of this.desired.graphs) {
          const rows = Array.from({ length: f.rows }, (_, i) => ({
            name: `${g.id}-${i}`,
            age: 20 + i,
          }));
          const r = await this.system.seedRows(
            this.world.spawn(`birth-rows-${g.id}`),
            ROOT_OF(g.id),
            rows,
          );
          if (!r.ok)
            throw new Error(
              `fixture rows did not load into ${g.id}: ${r.diagnostics.map((d) => d.message).join("; ")}`,
            );
        }
      }
      for (const what of f.legacy) await stripLegacy(this.world, what, f.graphs);
    }
    this.lastObs = await this.observe();
  }

  /** What the oracles and the findings' signatures judge this universe by. */
  judgeInput(): JudgeInput {
    return {
      records: this.records,
      liveness: this.liveness,
      events: this.world.trace.events,
      sourcesByDigest: this.sourcesByDigest,
    };
  }

  /**
   * Arms a crash plan for the whole life phase (crash-state enumeration): kills at the k-th
   * durable write counted from the start of life, and/or one failpoint at its first hit.
   */
  armLife(plan: LifeCrash): void {
    this.arming.armLife(plan);
  }

  /** Ends the life phase's crash plan (the liveness phase is fault-free). */
  disarmLife(): void {
    this.arming.disarmLife();
  }

  /** How often life (birth left out) has passed each failpoint so far. */
  lifeReached(): Map<FailpointName, number> {
    return this.arming.lifeReached();
  }

  private edit(step: Step): Outcome {
    const spec = opSpec(step.op);
    if (spec.kind !== "edit") throw new Error(`not an edit: ${step.op}`);
    const skipped = spec.edit(this.desired, step);
    if (skipped !== null) return { kind: "skipped", reason: skipped };
    this.writeWorkTree();
    this.world.trace.push({
      t: "op",
      actor: "operator",
      name: step.op,
      detail: JSON.stringify(step),
    });
    return { kind: "edited" };
  }

  private async act(
    step: Step,
    index: number,
    pre: Observation,
    strict: boolean,
  ): Promise<Outcome> {
    const name = `${step.op}#${index}`;
    this.world.trace.push({
      t: "op",
      actor: name,
      name: step.op,
      detail: step.crash ? JSON.stringify(step.crash) : "",
    });
    const spec = opSpec(step.op);
    if (spec.kind === "harness") return spec.act(step, this.world);
    const skipped = spec.kind === "command" ? (spec.skip?.(step, pre) ?? null) : null;
    if (skipped !== null) return { kind: "skipped", reason: skipped };
    if (step.race !== undefined)
      this.arming.armRace(step.race, step.crash, (edit) => this.edit(edit));
    this.arming.arm(step.crash, index);
    try {
      if (step.op === "concurrently")
        return await this.actConcurrently(step.actors, index, pre, strict);
      const ctx = this.ctx(name);
      const r = await World.run(ctx.proc, () => this.exec(step, ctx, index, pre, strict));
      return r.kind === "died" ? { kind: "died", cause: r.cause } : r.value;
    } finally {
      this.arming.disarm();
    }
  }

  /**
   * Two or three actors at once, each its own process, interleaved at their store calls by a
   * seeded scheduler (the turns are in the trace, so the interleaving replays exactly).
   */
  private async actConcurrently(
    actors: readonly Action[],
    index: number,
    pre: Observation,
    strict: boolean,
  ): Promise<Outcome> {
    const scheduler = new Scheduler(
      this.world.rng.child("scheduler").child(String(index)),
      this.world.trace,
    );
    const ctxs = actors.map((a, i) => this.ctx(`${a.op}#${index}.${i}`));
    for (const c of ctxs) scheduler.add(c.proc);
    this.world.gate = scheduler.gate;
    try {
      const results = await Promise.all(
        actors.map(async (a, i) => {
          const ctx = ctxs[i] as ClusterCtx;
          try {
            return await World.run(ctx.proc, () => this.exec(a, ctx, index, pre, strict, `.${i}`));
          } finally {
            scheduler.finish(ctx.proc);
          }
        }),
      );
      return {
        kind: "concurrent",
        outcomes: results.map(
          (r): Outcome => (r.kind === "died" ? { kind: "died", cause: r.cause } : r.value),
        ),
      };
    } finally {
      this.world.gate = undefined;
    }
  }

  /** Runs one action as `ctx.proc`; `actor` tags a concurrent actor (".0", ".1"), empty otherwise. */
  private exec(
    step: Step,
    ctx: ClusterCtx,
    index: number,
    pre: Observation,
    strict: boolean,
    actor = "",
  ): Promise<Outcome> {
    const spec = opSpec(step.op);
    if (spec.kind !== "command") throw new Error(`not an action: ${step.op}`);
    const env: ExecEnv = { system: this.system, ctx, world: this.world, pre, strict, index, actor };
    return spec.exec(step, env);
  }

  /** Puts `layer` between this world's processes and its store for the steps that follow. */
  installFaults(layer: FaultyStore): void {
    this.layer = layer;
    this.layerActive = true;
    this.world.faults = layer;
  }

  /** Takes the fault layer out (life is over); what it injected stays readable. */
  removeFaults(): void {
    this.layerActive = false;
    this.world.faults = new NoFaults(this.world.store);
  }

  /** The fault layer life ran behind, if any (its injected faults, its plan). */
  get faultLayer(): FaultyStore | null {
    return this.layer;
  }

  /** Runs one step and records it. */
  async run(step: Step, phase: "life" | "liveness" = "life"): Promise<StepRecord> {
    const index = this.records.length;
    const pre = this.lastObs ?? (await this.observe());
    const traceFrom = this.world.trace.events.length;
    const strict = step.op === "boot" ? (step.strict ?? this.scenario.serve.strict) : false;
    const isEdit = opSpec(step.op).kind === "edit";
    // What the crash contract settles against: taken when the step may be interrupted (its own
    // crash plan, or a life-phase plan from crash-state enumeration).
    const snapshot =
      !isEdit && (step.crash !== undefined || this.arming.lifeArmed) ? this.store.clone() : null;
    const reachedBefore = isEdit ? null : this.world.failpoints.mark;
    const faulty = this.layerActive ? this.layer : null;
    const faultsFrom = faulty?.injected.length ?? 0;
    faulty?.beginStep(index, step.faults);
    const outcome = isEdit ? this.edit(step) : await this.act(step, index, pre, strict);
    // The step as it ran: with the faults that actually hit it, pinned by call.
    const hit = faulty?.injected.slice(faultsFrom).map((i) => i.fault) ?? [];
    const pinned = hit.length > 0 || step.faults !== undefined ? withFaults(step, hit) : step;
    const ran = this.arming.placeNovelty(pinned);
    if (reachedBefore !== null) this.learnReach(step.op, reachedBefore);
    const post = isEdit ? pre : await this.observe();
    let settled: StepRecord["settled"];
    if (snapshot !== null && failed(outcome)) {
      const ids = [...new Set([...Object.keys(pre.graphs), ...Object.keys(post.graphs)])].sort();
      settled = {
        pre: await this.system.settle(snapshot, ids, this.defects),
        post: await this.system.settle(this.store, ids, this.defects),
      };
    }
    this.lastObs = post;
    const rec: StepRecord = {
      index,
      phase,
      step: ran,
      outcome,
      pre,
      post,
      traceFrom,
      traceTo: this.world.trace.events.length,
      desired: cloneDesired(this.desired),
      strict,
      ...(settled !== undefined ? { settled } : {}),
    };
    this.world.trace.push({
      t: "result",
      actor: `${step.op}#${index}`,
      name: step.op,
      outcome: summarize(outcome),
    });
    this.records.push(rec);
    return rec;
  }

  /** Records which failpoints an operation of this kind reached (op-aware crash placement). */
  private learnReach(op: string, mark: number): void {
    const set = this.reachedByOp.get(op) ?? new Set<string>();
    for (const name of this.world.failpoints.reachedSince(mark)) set.add(name);
    this.reachedByOp.set(op, set);
  }

  latest(): Observation | null {
    return this.lastObs;
  }
}

/** `step` with exactly the faults that hit it (none: without the field). */
function withFaults(step: Step, hit: StepFault[]): Step {
  const { faults: _listed, ...rest } = step;
  return (hit.length > 0 ? { ...rest, faults: hit } : rest) as Step;
}

function failed(o: Outcome): boolean {
  if (o.kind === "concurrent") return o.outcomes.some(failed);
  return (
    o.kind === "died" ||
    ((o.kind === "apply" || o.kind === "command" || o.kind === "boot") && !o.view.ok)
  );
}

export function summarize(o: Outcome): string {
  switch (o.kind) {
    case "edited":
      return "edited";
    case "skipped":
      return `skipped (${o.reason})`;
    case "died":
      return `died (${o.cause})`;
    case "apply":
      return `ok=${o.view.ok} converged=${o.view.converged} written=${o.view.state_written} ${codes(o.view.diagnostics)}`;
    case "boot":
      return o.view.ok
        ? `ready=[${o.view.ready.join(",")}] quarantined=[${o.view.quarantined.map((q) => q.graphId).join(",")}]`
        : `boot failed ${o.view.failureCode ?? ""}`;
    case "command":
      return `ok=${o.view.ok} ${codes(o.view.diagnostics)}`;
    case "concurrent":
      return o.outcomes.map((x, i) => `[${i}] ${summarize(x)}`).join(" ");
  }
}

function codes(ds: ReadonlyArray<{ code: string }>): string {
  return `[${[...new Set(ds.map((d) => d.code))].sort().join(",")}]`;
}
