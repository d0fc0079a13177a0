import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { Rng } from "../../src/world/rng.ts";
import { HONEST_FAULTS, HOSTILE_FAULTS } from "../faults/FaultPlan.ts";
import { OP_NAMES, OPS, type OpName, opSpec } from "../ops/index.ts";
import type { DrawView } from "../ops/OpSpec.ts";
import {
  type Crash,
  type ScriptedScenario,
  ScriptedScenarioSchema,
  type Step,
  type StepFault,
} from "../scenario/schema.ts";
import { reachableFailpoints } from "../universe/reach.ts";

/**
 * The guided fleet's mutations of a corpus entry's recorded steps. Each derived universe is
 * a scripted scenario (steps, fixture, serve mode) run with its parent's seed; what it is
 * depends only on the parent and the random stream it is given, so a generation's candidates
 * are the same whoever runs them.
 */

/** Longest derived universe: inserting stops here (deletes still apply). */
export const MAX_DERIVED_STEPS = 80;

export type MutationKind =
  | "insert"
  | "insert-example"
  | "insert-change"
  | "delete"
  | "duplicate"
  | "swap"
  | "move-crash"
  | "add-fault"
  | "lock-off";

/** How often each mutation is chosen (a mutation that does not apply is drawn again). */
const MUTATIONS: ReadonlyArray<readonly [MutationKind, number]> = [
  ["insert", 5],
  ["insert-example", 3],
  ["insert-change", 4],
  ["delete", 2],
  ["duplicate", 2],
  ["swap", 2],
  ["move-crash", 5],
  ["add-fault", 2],
  ["lock-off", 0.5],
];

/** The state of a universe just before step `at` of `steps` (a prefix run of the parent). */
export type StateAt = (steps: readonly Step[], at: number) => Promise<DrawView>;

export interface Parent {
  readonly id: number;
  readonly seed: number;
  readonly scenario: ScriptedScenario;
  readonly features: readonly string[];
  /**
   * How many universes so far fired each failpoint pair (`fp:<name>:<mode>` features, as the
   * corpus counted them at the generation's start): a crash is placed where it is rare.
   */
  readonly fired: Readonly<Record<string, number>>;
}

export interface Derived {
  readonly scenario: ScriptedScenario;
  /** What was done, in order: `insert apply@3; move-crash 5 -> cluster.state.write.before:error`. */
  readonly description: string;
}

const isEdit = (op: string) => OPS[op as OpName]?.kind === "edit";

/** Failpoints the parent's universe saw an operation of this kind reach, else any it can. */
function crashSites(op: OpName, parent: Parent): readonly FailpointName[] {
  const statically = reachableFailpoints(op);
  const prefix = `reach:${op}:`;
  const learned = new Set(
    parent.features.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)),
  );
  const seen = statically.filter((f) => learned.has(f));
  return seen.length > 0 ? seen : statically;
}

function drawCrash(rng: Rng, op: OpName, parent: Parent): Crash | null {
  const sites = crashSites(op, parent);
  if (sites.length === 0) return null;
  if (rng.chance(0.15)) return { kind: "kill-at-write", k: rng.range(1, 24) };
  // A failpoint pair weighted by how rarely any universe fired it (never: the most).
  const pairs = sites.flatMap((name) =>
    (["crash", "error"] as const).map(
      (mode) => [[name, mode], 1 / (1 + (parent.fired[`fp:${name}:${mode}`] ?? 0)) ** 2] as const,
    ),
  );
  const [name, mode] = rng.weighted(pairs);
  return { kind: "failpoint", name, mode, skip: rng.chance(0.2) ? 1 : 0 };
}

const crashList = (s: Step): Crash[] =>
  s.crash === undefined ? [] : Array.isArray(s.crash) ? s.crash : [s.crash];

function withCrash(s: Step, list: readonly Crash[]): Step {
  const { crash: _old, ...rest } = s;
  if (list.length === 0) return rest as Step;
  return { ...rest, crash: list.length === 1 ? list[0] : [...list] } as Step;
}

/** A new crash plan for a step: another site, a kill at another write, the other mode, none. */
function moveCrash(rng: Rng, s: Step, parent: Parent): { step: Step; what: string } | null {
  const op = s.op as OpName;
  if (isEdit(op) || reachableFailpoints(op).length === 0) return null;
  const list = crashList(s);
  if (list.length === 0) {
    const c = drawCrash(rng, op, parent);
    return c === null ? null : { step: withCrash(s, [c]), what: `crash ${describeCrash(c)}` };
  }
  const i = rng.int(list.length);
  const c = list[i] as Crash;
  const how = rng.weighted([
    ["site", 4],
    ["kill", 1],
    ["mode", 2],
    ["drop", 1],
  ] as const);
  let next: Crash | null;
  if (how === "drop") next = null;
  else if (how === "kill")
    next =
      c.kind === "kill-at-write"
        ? {
            kind: "kill-at-write",
            k: Math.max(1, c.k + (rng.chance(0.5) ? 1 : -1) * rng.range(1, 3)),
          }
        : { kind: "kill-at-write", k: rng.range(1, 24) };
  else if (how === "mode")
    next =
      c.kind === "failpoint" || c.kind === "novelty"
        ? { ...c, mode: c.mode === "crash" ? "error" : "crash" }
        : drawCrash(rng, op, parent);
  else next = drawCrash(rng, op, parent);
  const list2 = list.flatMap((x, j) => (j !== i ? [x] : next === null ? [] : [next]));
  return {
    step: withCrash(s, list2),
    what: next === null ? "drop crash" : `crash ${describeCrash(next)}`,
  };
}

function describeCrash(c: Crash): string {
  if (c.kind === "kill-at-write") return `kill@${c.k}`;
  if (c.kind === "novelty") return `novelty:${c.mode}`;
  return `${c.name}:${c.mode}${c.skip > 0 ? `+${c.skip}` : ""}`;
}

const FAULT_ARG: Readonly<Record<string, (rng: Rng) => number>> = {
  latency: (rng) => rng.range(1, 50),
  "truncated-read": (rng) => rng.range(0, 64),
  "corrupt-read": (rng) => rng.range(0, 64),
  "stale-read": (rng) => rng.range(1, 3),
  "stale-list": (rng) => rng.range(1, 3),
};

function drawFault(rng: Rng): StepFault {
  const kind = rng.chance(0.85) ? rng.pick(HONEST_FAULTS) : rng.pick(HOSTILE_FAULTS);
  const at = rng.chance(0.5) ? rng.range(1, 4) : rng.range(1, 20);
  const arg = FAULT_ARG[kind];
  return { at, kind, ...(arg !== undefined ? { arg: arg(rng) } : {}) } as StepFault;
}

/** A step drawn by an operation's row against the universe's state at that point. */
function drawStep(
  rng: Rng,
  view: DrawView,
  weights: ReadonlyArray<readonly [OpName, number]>,
  example: boolean,
  parent: Parent,
): Step | null {
  let pool = weights;
  while (pool.length > 0) {
    const op = rng.weighted(pool);
    const spec = opSpec(op);
    const drawn = example
      ? (() => {
          const xs = spec.examples(view);
          return xs.length > 0 ? rng.pick(xs) : null;
        })()
      : spec.draw(rng, view);
    if (drawn === null) {
      pool = pool.filter(([o]) => o !== op);
      continue;
    }
    const step = drawn as Step;
    if (!isEdit(op) && rng.chance(0.35)) {
      const c = drawCrash(rng, op, parent);
      if (c !== null) return withCrash(step, [c]);
    }
    return step;
  }
  return null;
}

/** Uniform weights over every operation: a corpus that did not come from a generative scenario. */
export const UNIFORM_WEIGHTS: ReadonlyArray<readonly [OpName, number]> = OP_NAMES.map(
  (o) => [o, 1] as const,
);

/** One mutation of `steps` (with `scenario`'s fixture); null when it does not apply. */
async function mutateOnce(
  kind: MutationKind,
  rng: Rng,
  scenario: ScriptedScenario,
  parent: Parent,
  stateAt: StateAt,
  weights: ReadonlyArray<readonly [OpName, number]>,
): Promise<{ scenario: ScriptedScenario; what: string } | null> {
  const steps = scenario.steps;
  const n = steps.length;
  const put = (next: Step[], what: string) => ({ scenario: { ...scenario, steps: next }, what });
  switch (kind) {
    case "insert":
    case "insert-example": {
      if (n >= MAX_DERIVED_STEPS) return null;
      const at = rng.int(n + 1);
      const view = await stateAt(steps, at);
      const hostile = rng.chance(0.25);
      const s = drawStep(rng, { ...view, hostile }, weights, kind === "insert-example", parent);
      if (s === null) return null;
      const c = crashList(s)[0];
      return put(
        [...steps.slice(0, at), s, ...steps.slice(at)],
        `${kind} ${s.op}@${at}${c !== undefined ? ` (${describeCrash(c)})` : ""}`,
      );
    }
    case "insert-change": {
      // A dictionary entry, as a fuzzer has them: a change of the config, the apply that
      // carries it out failing at a failpoint pair, and maybe a command that meets what it left.
      if (n + 3 > MAX_DERIVED_STEPS) return null;
      const at = rng.int(n + 1);
      const view = { ...(await stateAt(steps, at)), hostile: false };
      const edits = weights.filter(([o]) => isEdit(o) || o === "add-graph" || o === "remove-graph");
      const edit = drawStep(rng, view, edits.length > 0 ? edits : weights, false, parent);
      const crash = drawCrash(rng, "apply", parent);
      if (edit === null || crash === null) return null;
      const apply = withCrash({ op: "apply" } as Step, [crash]);
      const after = rng.pick([null, { op: "apply" }, { op: "boot" }, { op: "refresh" }, null]);
      const open = view.rootGraphs.length > 0 && rng.chance(0.3);
      const follow: Step[] = open
        ? [{ op: "open-rw", graph: rng.pick(view.rootGraphs) } as Step]
        : after !== null
          ? [after as Step]
          : [];
      return put(
        [...steps.slice(0, at), edit, apply, ...follow, ...steps.slice(at)],
        `insert-change ${edit.op}+apply (${describeCrash(crash)})${follow[0] ? `+${follow[0].op}` : ""}@${at}`,
      );
    }
    case "delete": {
      if (n <= 1) return null;
      const at = rng.int(n);
      return put(
        steps.filter((_, i) => i !== at),
        `delete ${steps[at]?.op}@${at}`,
      );
    }
    case "duplicate": {
      if (n >= MAX_DERIVED_STEPS) return null;
      const at = rng.int(n);
      const s = steps[at] as Step;
      return put([...steps.slice(0, at + 1), s, ...steps.slice(at + 1)], `duplicate ${s.op}@${at}`);
    }
    case "swap": {
      if (n < 2) return null;
      const i = rng.int(n);
      const j = rng.chance(0.6) ? (i + 1) % n : rng.int(n);
      if (i === j) return null;
      const next = [...steps];
      next[i] = steps[j] as Step;
      next[j] = steps[i] as Step;
      return put(next, `swap ${Math.min(i, j)}<->${Math.max(i, j)}`);
    }
    case "move-crash": {
      // Steps with a crash plan first: moving a crash point is what this mutation is for.
      const crashed = steps.flatMap((s, i) => (s.crash !== undefined ? [i] : []));
      const able = steps.flatMap((s, i) =>
        !isEdit(s.op) && reachableFailpoints(s.op as OpName).length > 0 ? [i] : [],
      );
      const pool = crashed.length > 0 && rng.chance(0.7) ? crashed : able;
      if (pool.length === 0) return null;
      const at = rng.pick(pool);
      const moved = moveCrash(rng, steps[at] as Step, parent);
      if (moved === null) return null;
      return put(
        steps.map((s, i) => (i === at ? moved.step : s)),
        `${moved.what} on ${steps[at]?.op}@${at}`,
      );
    }
    case "add-fault": {
      const able = steps.flatMap((s, i) => (!isEdit(s.op) ? [i] : []));
      if (able.length === 0) return null;
      const at = rng.pick(able);
      const s = steps[at] as Step;
      const f = drawFault(rng);
      const faults = [...(s.faults ?? []).filter((x) => x.at !== f.at), f].sort(
        (a, b) => a.at - b.at,
      );
      return put(
        steps.map((x, i) => (i === at ? ({ ...s, faults } as Step) : x)),
        `fault ${f.kind}@call ${f.at} on ${s.op}@${at}`,
      );
    }
    case "lock-off":
      if (!scenario.fixture.stateLock) return null;
      return {
        scenario: { ...scenario, fixture: { ...scenario.fixture, stateLock: false } },
        what: "lock-off",
      };
  }
}

/**
 * How many branch steps of `steps` contradict the ones before them: a create of a branch an
 * earlier step created (and nothing deleted), a delete of one nothing created. The generative
 * sampler only draws a branch step its precondition allows; a mutation (a duplicate, a swap,
 * a dropped crash) can break that, and the engine's refusal would then be judged an
 * unexplained failure of the model when it is the harness's own doing. A step with a crash
 * plan or failing faults may or may not have done its part, so after it the branch is unknown.
 */
export function branchConflicts(steps: readonly Step[]): number {
  const state = new Map<string, "yes" | "no" | "unknown">();
  let conflicts = 0;
  const act = (graph: string, branch: string, create: boolean, sure: boolean) => {
    const key = `${graph}/${branch}`;
    const now = state.get(key) ?? "no";
    if (now === (create ? "yes" : "no")) conflicts++;
    state.set(key, sure ? (create ? "yes" : "no") : "unknown");
  };
  for (const s of steps) {
    const sure = s.crash === undefined && (s.faults ?? []).every((f) => f.kind === "latency");
    if (s.op === "branch-create") act(s.graph, s.branch, true, sure);
    else if (s.op === "branch-delete") act(s.graph, s.branch, false, sure);
    else if (s.op === "concurrently")
      for (const a of s.actors) if (a.op === "branch-create") act(a.graph, a.branch, true, sure);
  }
  return conflicts;
}

/**
 * Derives a universe from `parent`: one to three mutations stacked (a mutation that does not
 * apply, or leaves no valid scenario, is drawn again, a few times at most). The result is
 * normalised through the scenario schema, exactly as its file will load.
 */
export async function derive(
  rng: Rng,
  parent: Parent,
  stateAt: StateAt,
  weights: ReadonlyArray<readonly [OpName, number]>,
): Promise<Derived> {
  const count = 1 + (rng.chance(0.4) ? 1 : 0) + (rng.chance(0.15) ? 1 : 0);
  let scenario: ScriptedScenario = parent.scenario;
  const conflicts = branchConflicts(parent.scenario.steps);
  const done: string[] = [];
  for (let tries = 0; done.length < count && tries < count + 6; tries++) {
    const kind = rng.weighted(MUTATIONS);
    const m = await mutateOnce(kind, rng, scenario, parent, stateAt, weights);
    if (m === null) continue;
    const valid = ScriptedScenarioSchema.safeParse(JSON.parse(JSON.stringify(m.scenario)));
    if (!valid.success || branchConflicts(valid.data.steps) > conflicts) continue;
    scenario = valid.data;
    done.push(m.what);
  }
  return {
    scenario: { ...scenario, name: parent.scenario.name },
    description: done.length > 0 ? done.join("; ") : "unchanged",
  };
}
