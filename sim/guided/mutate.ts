import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { FAULT_KINDS, type FaultKindSpec } from "../../src/world/faultKinds.ts";
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
import {
  describeCrash,
  drawCrash,
  handlerCrash,
  moveCrash,
  targetPair,
  withCrash,
} from "./crashes.ts";

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
  | "truncate"
  | "duplicate"
  | "swap"
  | "move-crash"
  | "target-pair"
  | "add-fault"
  | "lock-off";

/** How often each mutation is chosen (a mutation that does not apply is drawn again). */
const MUTATIONS: ReadonlyArray<readonly [MutationKind, number]> = [
  ["insert", 5],
  ["insert-example", 3],
  ["insert-change", 8],
  ["delete", 2],
  ["truncate", 1],
  ["duplicate", 2],
  ["swap", 2],
  ["move-crash", 5],
  ["target-pair", 4],
  ["add-fault", 2],
  ["lock-off", 0.5],
];

import type { Lab, Parent } from "./parent.ts";

export type { Lab, Parent };

export interface Derived {
  readonly scenario: ScriptedScenario;
  /** What was done, in order: `insert apply@3; move-crash 5 -> cluster.state.write.before:error`. */
  readonly description: string;
}

const isEdit = (op: string) => OPS[op as OpName]?.kind === "edit";

function drawFault(rng: Rng): StepFault {
  const kind = rng.chance(0.85) ? rng.pick(HONEST_FAULTS) : rng.pick(HOSTILE_FAULTS);
  const at = rng.chance(0.5) ? rng.range(1, 4) : rng.range(1, 20);
  const arg: FaultKindSpec["arg"] = FAULT_KINDS[kind].arg;
  return { at, kind, ...(arg !== null ? { arg: rng.range(arg.min, arg.max) } : {}) } as StepFault;
}

/** A step drawn by an operation's row against the universe's state at that point. */
function drawStep(
  rng: Rng,
  view: DrawView,
  weights: ReadonlyArray<readonly [OpName, number]>,
  example: boolean,
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
    return drawn as Step;
  }
  return null;
}

/**
 * Where to insert into `n` steps: half the time among the first few, where the universe is
 * still close to its birth (a change made there meets a converged, serving cluster), else
 * anywhere.
 */
function insertAt(rng: Rng, n: number): number {
  return rng.chance(0.5) ? rng.int(Math.min(n, 3) + 1) : rng.int(n + 1);
}

/** Uniform weights over every operation: a corpus that did not come from a generative scenario. */
export const UNIFORM_WEIGHTS: ReadonlyArray<readonly [OpName, number]> = OP_NAMES.map(
  (o) => [o, 1] as const,
);

/** One change block of insert-change at `at` of `scenario` (see there); null when none applies. */
async function changeBlock(
  rng: Rng,
  scenario: ScriptedScenario,
  at: number,
  parent: Parent,
  lab: Lab,
  weights: ReadonlyArray<readonly [OpName, number]>,
): Promise<{ steps: Step[]; fixture: ScriptedScenario["fixture"]; what: string } | null> {
  const steps = scenario.steps;
  const view = { ...(await lab.stateAt(scenario, at)), hostile: false };
  // Schema edits most: they are what moves a graph, where crash points matter most.
  const edits = weights
    .filter(([o]) => isEdit(o))
    .map(([o, w]) => [o, o === "edit-schema" ? w * 3 : w] as const);
  const pool = edits.length > 0 ? edits : weights;
  const first = drawStep(rng, view, pool, false);
  if (first === null) return null;
  // The change carried out by an apply that fails somewhere, or by two actors at once
  // (their race only meets the ledger's compare-and-swap with the lock off).
  let edit: Step = first;
  let carrier: Step;
  let fixture = scenario.fixture;
  let how: string;
  const pairs = opSpec("concurrently").examples(view) as Step[];
  if (pairs.length > 0 && rng.chance(0.25)) {
    carrier = rng.pick(pairs);
    how = `concurrently(${carrier.op === "concurrently" ? carrier.actors.map((a) => a.op).join(",") : ""})`;
    if (fixture.stateLock && rng.chance(0.5)) {
      fixture = { ...fixture, stateLock: false };
      how += ", lock off";
    }
  } else {
    // A few candidate changes, each applied once in a probe: the one whose apply passes the
    // rarest failpoints (those few universes pass) is kept, now and then any one. Then the
    // apply's crash at a failpoint it is seen to pass, carrying this very change.
    const candidates: Step[] = [first];
    for (let i = 0; i < 2; i++) {
      const e = drawStep(rng, view, pool, false);
      if (e !== null && !candidates.some((c) => JSON.stringify(c) === JSON.stringify(e)))
        candidates.push(e);
    }
    const probed: Array<{ edit: Step; reached: readonly FailpointName[]; score: number }> = [];
    for (const e of candidates) {
      const probe = [...steps.slice(0, at), e, { op: "apply" } as Step];
      const reached = await lab.reachedBy({ ...scenario, steps: probe }, at + 1);
      let score = 0;
      for (const f of reached) score += 1 / Math.max(1, parent.counts[`reach:apply:${f}`] ?? 1);
      probed.push({ edit: e, reached, score });
    }
    const best = rng.chance(0.2)
      ? rng.pick(probed)
      : probed.reduce((a, b) => (b.score > a.score ? b : a));
    edit = best.edit;
    // An apply that stops before the engine (a held lock, a refused plan) has little to try.
    if (best.reached.length < 10) return null;
    const crash = drawCrash(rng, "apply", parent, best.reached);
    if (crash === null) return null;
    // Now and then a second point on the error path of the first: the cleanup after it.
    const second =
      crash.kind === "failpoint" && crash.mode === "error" && rng.chance(0.3)
        ? handlerCrash(rng, "apply", crash.name)
        : null;
    carrier = withCrash({ op: "apply" } as Step, second ? [crash, second] : [crash]);
    how = `apply (${describeCrash(crash)}${second ? `, then ${describeCrash(second)}` : ""})`;
  }
  const after = rng.pick([null, { op: "apply" }, { op: "boot" }, { op: "refresh" }, null]);
  const open = view.rootGraphs.length > 0 && rng.chance(0.3);
  const follow: Step[] = open
    ? [{ op: "open-rw", graph: rng.pick(view.rootGraphs) } as Step]
    : after !== null
      ? [after as Step]
      : [];
  return {
    steps: [edit, carrier, ...follow],
    fixture,
    what: `${edit.op}+${how}${follow[0] ? `+${follow[0].op}` : ""}`,
  };
}

/** One mutation of `steps` (with `scenario`'s fixture); null when it does not apply. */
async function mutateOnce(
  kind: MutationKind,
  rng: Rng,
  scenario: ScriptedScenario,
  parent: Parent,
  lab: Lab,
  weights: ReadonlyArray<readonly [OpName, number]>,
): Promise<{ scenario: ScriptedScenario; what: string } | null> {
  const steps = scenario.steps;
  const n = steps.length;
  const put = (next: Step[], what: string) => ({ scenario: { ...scenario, steps: next }, what });
  switch (kind) {
    case "insert":
    case "insert-example": {
      if (n >= MAX_DERIVED_STEPS) return null;
      const at = insertAt(rng, n);
      const view = await lab.stateAt(scenario, at);
      const hostile = rng.chance(0.25);
      let s = drawStep(rng, { ...view, hostile }, weights, kind === "insert-example");
      if (s === null) return null;
      const next = [...steps.slice(0, at), s, ...steps.slice(at)];
      const able = !isEdit(s.op) && reachableFailpoints(s.op as OpName).length > 0;
      let c: Crash | null = null;
      if (able && rng.chance(0.35)) {
        const reached = await lab.reachedBy({ ...scenario, steps: next }, at);
        c = drawCrash(rng, s.op as OpName, parent, reached);
        if (c !== null) s = withCrash(s, [c]);
        next[at] = s;
      }
      return put(next, `${kind} ${s.op}@${at}${c !== null ? ` (${describeCrash(c)})` : ""}`);
    }
    case "insert-change": {
      // A dictionary entry, as a fuzzer has them: a change of the config, the apply that
      // carries it out failing at a failpoint pair, and maybe a command that meets what it
      // left; most of the time a run of two to five such blocks, each a try at another pair.
      // Mostly right after birth: later, a universe has often lost its lock to a death or
      // holds a config the planner refuses, and its apply never gets near the engine.
      const at = rng.chance(0.7) ? rng.int(Math.min(n, 1) + 1) : insertAt(rng, n);
      const blocks = rng.chance(0.3) ? 1 : rng.range(2, 5);
      let current = scenario;
      let pos = at;
      const what: string[] = [];
      for (let b = 0; b < blocks && current.steps.length + 3 <= MAX_DERIVED_STEPS; b++) {
        const block = await changeBlock(rng, current, pos, parent, lab, weights);
        if (block === null) break;
        current = {
          ...current,
          fixture: block.fixture,
          steps: [...current.steps.slice(0, pos), ...block.steps, ...current.steps.slice(pos)],
        };
        pos += block.steps.length;
        what.push(block.what);
      }
      if (what.length === 0) return null;
      return { scenario: current, what: `insert-change ${what.join(" + ")} @${at}` };
    }
    case "delete": {
      if (n <= 1) return null;
      const at = rng.int(n);
      return put(
        steps.filter((_, i) => i !== at),
        `delete ${steps[at]?.op}@${at}`,
      );
    }
    case "truncate": {
      // The first k steps alone: what the rest did no longer hides what they reached.
      if (n <= 2) return null;
      const k = rng.range(1, n - 1);
      return put(steps.slice(0, k), `truncate to ${k}`);
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
      const moved = await moveCrash(rng, scenario, at, parent, lab);
      if (moved === null) return null;
      return put(
        steps.map((s, i) => (i === at ? moved.step : s)),
        `${moved.what} on ${steps[at]?.op}@${at}`,
      );
    }
    case "target-pair": {
      const t = await targetPair(rng, scenario, parent, lab);
      if (t === null) return null;
      return put(
        steps.map((s, i) => (i === t.at ? t.step : s)),
        `target ${t.what} on ${steps[t.at]?.op}@${t.at}`,
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
  lab: Lab,
  weights: ReadonlyArray<readonly [OpName, number]>,
): Promise<Derived> {
  const count = 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.25) ? 1 : 0);
  let scenario: ScriptedScenario = parent.scenario;
  const conflicts = branchConflicts(parent.scenario.steps);
  const done: string[] = [];
  let kind: MutationKind = rng.weighted(MUTATIONS);
  for (let tries = 0; done.length < count && tries < count + 6; tries++) {
    // A change with its failing apply comes in runs of one to three: each is a try at a
    // failpoint pair, and each crash point is judged on its own.
    if (tries > 0 && !(kind === "insert-change" && rng.chance(0.6))) kind = rng.weighted(MUTATIONS);
    const m = await mutateOnce(kind, rng, scenario, parent, lab, weights);
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
