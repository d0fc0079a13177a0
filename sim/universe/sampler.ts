import { ALL_FAILPOINTS, type FailpointName } from "../../src/catalog/failpoints.ts";
import { graphIdOf } from "../../src/cluster/addresses.ts";
import type { Rng } from "../../src/world/rng.ts";
import { QUERY_CHANGES } from "../ops/editQuery.ts";
import { SCHEMA_CHANGES } from "../ops/editSchema.ts";
import { OPS, type OpName, opSpec } from "../ops/index.ts";
import type { DrawView } from "../ops/OpSpec.ts";
import type { Crash, CrashPlan, GenerativeScenario, Race, Step } from "../scenario/schema.ts";
import type { DesiredConfig } from "./desired.ts";
import { onHandlerStep } from "./handlerSteps.ts";
import type { Observation } from "./observe.ts";
import { reachableFailpoints } from "./reach.ts";
import { remedyStep } from "./respond.ts";

export { GRAPH_POOL } from "../ops/addGraph.ts";
export { BRANCH_POOL } from "../ops/branches.ts";

export interface SamplerState {
  readonly desired: DesiredConfig;
  readonly obs: Observation;
  /** Crash points still allowed in this universe. */
  crashBudget: number;
  /** The previous step died: the next recovering step is a double-fault candidate. */
  afterDeath: boolean;
  /** Failpoints each kind of operation has reached so far in this universe. */
  readonly reachedByOp: ReadonlyMap<string, ReadonlySet<string>>;
  /** How often each failpoint has been reached in this universe (birth included). */
  readonly reachCounts?: ReadonlyMap<string, number>;
}

/** Every catalogued failpoint on an error-handling path (a constant of the catalog). */
const HANDLERS: ReadonlySet<string> = new Set(ALL_FAILPOINTS.filter((f) => onHandlerStep(f)));

/** A step before its crash plan: each kind of step without `crash` and `expect`. */
type Drawn = Step extends infer S ? (S extends Step ? Omit<S, "crash" | "expect"> : never) : never;

/** What the operations' draws read: the universe as its last observation shows it. */
export function drawView(st: {
  readonly desired: DesiredConfig;
  readonly obs: Observation;
  readonly reachedByOp: ReadonlyMap<string, ReadonlySet<string>>;
}): DrawView {
  const { desired, obs } = st;
  return {
    desired,
    obs,
    reachedByOp: st.reachedByOp,
    desiredIds: desired.graphs.map((g) => g.id),
    ledgerGraphs: Object.keys(obs.ledger?.resources ?? {}).flatMap((a) => graphIdOf(a) ?? []),
    rootGraphs: Object.entries(obs.graphs)
      .filter(([, v]) => v.exists)
      .map(([g]) => g),
  };
}

/** A scenario's op weights, positive only, sorted by op name: the draw's fixed order. */
export function opWeights(scenario: GenerativeScenario): Array<[OpName, number]> {
  return (
    Object.entries(scenario.weights).filter(([, w]) => (w ?? 0) > 0) as Array<[OpName, number]>
  ).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * Draws the next step: an op by weight among those whose precondition holds (a failed
 * precondition picks another op instead of wasting the draw), its arguments, then maybe a
 * crash point that the op can actually reach. `weights` is `opWeights(scenario)`, computed
 * once per universe.
 */
export function sampleStep(
  rng: Rng,
  crashRng: Rng,
  scenario: GenerativeScenario,
  st: SamplerState,
  weights: ReadonlyArray<readonly [OpName, number]> = opWeights(scenario),
  raceRng?: Rng,
): Step {
  const view = { ...drawView(st), hostile: scenario.hostileConfig };
  let pool = weights;
  // Drawn only when asked for, so scenarios without it keep every draw they had.
  let step: Drawn | null =
    scenario.respond > 0 && rng.chance(scenario.respond)
      ? (remedyStep(rng, view) as Drawn | null)
      : null;
  while (step === null && pool.length > 0) {
    const op = rng.weighted(pool);
    step = opSpec(op).draw(rng, view) as Drawn | null;
    if (step === null) pool = pool.filter(([o]) => o !== op);
  }
  const chosen = (step ?? { op: "status" }) as Step;
  const crash = planCrash(crashRng, scenario.crash, chosen.op, st, opSpec(chosen.op).work?.(view));
  const race =
    raceRng !== undefined && scenario.races > 0
      ? planRace(raceRng, scenario.races, chosen.op, view)
      : null;
  return {
    ...chosen,
    ...(crash ? { crash } : {}),
    ...(race ? { race } : {}),
  } as Step;
}

/**
 * Maybe an operator edit racing the step, at a failpoint this kind of command has reached
 * earlier in the universe (so the edit lands mid-command, not never): a time-of-check/
 * time-of-use window between the command's config load and its later reads.
 */
function planRace(rng: Rng, chance: number, op: OpName, v: DrawView): Race | null {
  if (!OPS[op].traits.raceable || !rng.chance(chance)) return null;
  const seen = v.reachedByOp.get(op);
  if (seen === undefined || seen.size === 0) return null;
  const at = rng.pick([...seen].sort()) as FailpointName;
  const edit = rng.pick(["edit-schema", "edit-query", "edit-policy"] as const);
  if (edit === "edit-policy")
    return v.desired.policy.present
      ? { at, edit: { op: "edit-policy", change: rng.pick(["touch", "revert"] as const) } }
      : null;
  if (v.desiredIds.length === 0) return null;
  const graph = rng.pick(v.desiredIds);
  return edit === "edit-schema"
    ? { at, edit: { op: "edit-schema", graph, change: rng.pick(SCHEMA_CHANGES) } }
    : { at, edit: { op: "edit-query", graph, change: rng.pick(QUERY_CHANGES) } };
}

/** How often a step whose op names where it works gets its crash point there. */
const WORK_BIAS = 0.6;

/** A novelty crash's chance at a failpoint the universe passes for the first time. */
const NOVELTY_RATE = 0.15;
/** A novelty crash fires at the nth new failpoint of its step, n uniform in 1..NOVELTY_SPAN. */
const NOVELTY_SPAN = 12;

/** A crash placed as the step runs, where the universe has least been (see CrashSchema). */
function noveltyCrash(rng: Rng, plan: CrashPlan): Crash {
  return {
    kind: "novelty",
    mode: rng.weighted([
      ["crash", plan.modes.crash],
      ["error", plan.modes.error],
    ] as const),
    rate: NOVELTY_RATE,
    max: 2,
    nth: rng.range(1, NOVELTY_SPAN),
    ...(plan.only !== undefined ? { only: [...plan.only] } : {}),
  };
}

function planCrash(
  rng: Rng,
  plan: CrashPlan,
  op: OpName,
  st: SamplerState,
  work: readonly string[] | undefined,
): Crash | Crash[] | null {
  if (st.crashBudget <= 0) return null;
  const only = plan.only;
  const everywhere =
    only === undefined
      ? reachableFailpoints(op)
      : reachableFailpoints(op).filter((f) => only.some((p) => f.startsWith(p)));
  // Mostly where the step does its work, when the op can tell (drawn only then, so other
  // steps keep every draw they had).
  const working =
    work !== undefined && work.length > 0
      ? everywhere.filter((f) => work.some((p) => f.startsWith(p)))
      : [];
  const statically = working.length > 0 && rng.chance(WORK_BIAS) ? working : everywhere;
  if (statically.length === 0) return null;
  // Prefer failpoints this kind of operation has actually reached earlier in the universe:
  // "the n-th operation that can reach F" rather than a blind draw from the catalog.
  const seen = st.reachedByOp.get(op);
  const learned = seen ? statically.filter((f) => seen.has(f)) : [];
  const useLearned = learned.length > 0 && rng.chance(0.8);
  const reachable = useLearned ? learned : statically;
  const doubleFault = plan.doubleFault && st.afterDeath && OPS[op].traits.recovers;
  if (!doubleFault && !rng.chance(plan.probability)) {
    // Drawn only when asked for, so scenarios without it keep every draw they had.
    if (plan.novelty > 0 && rng.chance(plan.novelty)) return noveltyCrash(rng, plan);
    return null;
  }
  st.crashBudget--;
  const mode = rng.weighted([
    ["crash", plan.modes.crash],
    ["error", plan.modes.error],
  ] as const);
  const where = rng.weighted([
    ["failpoint", plan.placement.failpoint],
    ["kill", plan.placement.killAtWrite],
  ] as const);
  if (where === "kill" && plan.only === undefined)
    return { kind: "kill-at-write", k: rng.range(1, 24) };
  const first: Crash = {
    kind: "failpoint",
    name: useLearned && plan.rare ? pickRare(rng, learned, st.reachCounts) : rng.pick(reachable),
    mode,
    skip: rng.chance(0.25) ? rng.range(1, 2) : 0,
  };
  // Now and then a second point in the same step: an injected error followed by a failure of
  // the code that handles it (the cleanup after an engine error, the release after a crash).
  if (mode === "error" && rng.chance(0.3)) {
    const handlers = reachable.filter((f) => HANDLERS.has(f));
    if (handlers.length > 0) {
      const second: Crash = {
        kind: "failpoint",
        name: rng.pick(handlers),
        mode: rng.chance(0.5) ? "error" : "crash",
        skip: 0,
      };
      if (second.name !== first.name) return [first, second];
    }
  }
  return first;
}

/**
 * A reached failpoint, weighted by the inverse of how often the universe has passed it: the
 * lock taken by every command weighs little, the cleanup after an engine rejection (passed
 * once) weighs much. BUGGIFY's lesson again, measured: rare paths hide the bugs.
 */
function pickRare(
  rng: Rng,
  names: readonly FailpointName[],
  counts: ReadonlyMap<string, number> | undefined,
): FailpointName {
  if (counts === undefined) return rng.pick(names);
  return rng.weighted(names.map((n) => [n, 1 / (1 + (counts.get(n) ?? 0))] as const));
}
