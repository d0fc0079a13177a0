import type { FailpointName } from "../../src/catalog/failpoints.ts";
import type { Rng } from "../../src/world/rng.ts";
import { OPS, type OpName } from "../ops/index.ts";
import type { Crash, ScriptedScenario, Step } from "../scenario/schema.ts";
import { onHandlerStep } from "../universe/handlerSteps.ts";
import { reachableFailpoints } from "../universe/reach.ts";
import { FAILPOINT_FAMILIES } from "../universe/swarm.ts";
import type { Lab, Parent } from "./parent.ts";

/**
 * Where the guided fleet's mutations put a crash: a failpoint pair weighted by how rarely the
 * corpus fired it and the operation passes it, a novelty crash, a kill at a write; a pair no
 * universe has fired yet (target-pair); a second fault on the cleanup path of an injected
 * error. Every site is one a probe run saw the step pass, when there is one.
 */

const isEdit = (op: string) => OPS[op as OpName]?.kind === "edit";

/** Failpoints the parent's universe saw an operation of this kind reach, else any it can. */
export function crashSites(op: OpName, parent: Parent): readonly FailpointName[] {
  const statically = reachableFailpoints(op);
  const prefix = `reach:${op}:`;
  const learned = new Set(
    parent.features.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)),
  );
  const seen = statically.filter((f) => learned.has(f));
  return seen.length > 0 ? seen : statically;
}

export function drawCrash(
  rng: Rng,
  op: OpName,
  parent: Parent,
  reached?: readonly FailpointName[],
): Crash | null {
  const sites = reached !== undefined && reached.length > 0 ? reached : crashSites(op, parent);
  if (sites.length === 0) return null;
  const seen = reached !== undefined && reached.length > 0;
  if (rng.chance(seen ? 0.1 : 0.15)) return { kind: "kill-at-write", k: rng.range(1, 24) };
  const mode = rng.chance(0.5) ? "crash" : "error";
  if (rng.chance(seen ? 0.15 : 0.5)) {
    // Placed as the step runs, where this universe has least been (see CrashSchema); the
    // universe records where it fired, so its entry and its replay name a plain failpoint.
    // Now and then only inside one family of failpoints the step can reach.
    const families = FAILPOINT_FAMILIES.filter((f) => sites.some((x) => x.startsWith(f)));
    const only = families.length > 0 && rng.chance(0.25) ? [rng.pick(families)] : undefined;
    return {
      kind: "novelty",
      mode,
      rate: rng.pick([0.3, 0.6, 1]),
      max: rng.chance(0.2) ? 2 : 1,
      ...(only !== undefined ? { only } : {}),
    };
  }
  // A failpoint pair weighted by how rarely any universe fired it (never: the most), and by
  // how rarely this operation passes the point at all (the lock every command takes: little;
  // the step only a schema change reaches: much).
  const c = parent.counts;
  const pairs = sites.flatMap((name) => {
    const passed = Math.max(1, c[`reach:${op}:${name}`] ?? 1);
    return (["crash", "error"] as const).map(
      (m) => [[name, m], 1 / (1 + (c[`fp:${name}:${m}`] ?? 0)) ** 2 / passed] as const,
    );
  });
  const [name, m] = rng.weighted(pairs);
  return { kind: "failpoint", name, mode: m, skip: rng.chance(seen ? 0.05 : 0.2) ? 1 : 0 };
}

export const crashList = (s: Step): Crash[] =>
  s.crash === undefined ? [] : Array.isArray(s.crash) ? s.crash : [s.crash];

export function withCrash(s: Step, list: readonly Crash[]): Step {
  const { crash: _old, ...rest } = s;
  if (list.length === 0) return rest as Step;
  return { ...rest, crash: list.length === 1 ? list[0] : [...list] } as Step;
}

/** A new crash plan for a step: another site, a kill at another write, the other mode, none. */
export async function moveCrash(
  rng: Rng,
  scenario: ScriptedScenario,
  at: number,
  parent: Parent,
  lab: Lab,
): Promise<{ step: Step; what: string } | null> {
  const s = scenario.steps[at] as Step;
  const op = s.op as OpName;
  if (isEdit(op) || reachableFailpoints(op).length === 0) return null;
  const list = crashList(s);
  const sites = () => lab.reachedBy(scenario, at);
  if (list.length === 0) {
    const c = drawCrash(rng, op, parent, await sites());
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
        : drawCrash(rng, op, parent, await sites());
  else next = drawCrash(rng, op, parent, await sites());
  const list2 = list.flatMap((x, j) => (j !== i ? [x] : next === null ? [] : [next]));
  return {
    step: withCrash(s, list2),
    what: next === null ? "drop crash" : `crash ${describeCrash(next)}`,
  };
}

/**
 * Directed at the failpoint pairs no universe of the corpus has fired yet (AFLGo's idea, with
 * the corpus as the map): among the failpoints this entry's steps reach, a pair never fired,
 * the rarest passed first; then a step of that operation seen to pass the point (a probe run)
 * gets its crash there, replacing what it had. Null when every pair the entry reaches fired.
 */
export async function targetPair(
  rng: Rng,
  scenario: ScriptedScenario,
  parent: Parent,
  lab: Lab,
): Promise<{ at: number; step: Step; what: string } | null> {
  const c = parent.counts;
  const targets: Array<readonly [readonly [OpName, FailpointName, "crash" | "error"], number]> = [];
  for (const f of parent.features) {
    if (!f.startsWith("reach:")) continue;
    const [, op, name] = f.split(":") as [string, OpName, FailpointName];
    if (op === undefined || name === undefined || isEdit(op) || !(op in OPS)) continue;
    const passed = Math.max(1, c[f] ?? 1);
    for (const mode of ["crash", "error"] as const)
      if ((c[`fp:${name}:${mode}`] ?? 0) === 0) targets.push([[op, name, mode], 1 / passed]);
  }
  if (targets.length === 0) return null;
  const [op, name, mode] = rng.weighted(targets);
  const at = scenario.steps.flatMap((s, i) => (s.op === op ? [i] : []));
  // The latest steps first: a step late in life has more of the universe behind it.
  for (const i of [...at].reverse().slice(0, 4)) {
    const reached = await lab.reachedBy(scenario, i);
    if (!reached.includes(name)) continue;
    const crash: Crash = { kind: "failpoint", name, mode, skip: 0 };
    return {
      at: i,
      step: withCrash(scenario.steps[i] as Step, [crash]),
      what: describeCrash(crash),
    };
  }
  return null;
}

export function handlerCrash(rng: Rng, op: OpName, first: string): Crash | null {
  const handlers = reachableFailpoints(op).filter((f) => f !== first && onHandlerStep(f));
  if (handlers.length === 0) return null;
  return {
    kind: "failpoint",
    name: rng.pick(handlers),
    mode: rng.chance(0.5) ? "error" : "crash",
    skip: 0,
  };
}

export function describeCrash(c: Crash): string {
  if (c.kind === "kill-at-write") return `kill@${c.k}`;
  if (c.kind === "novelty") return `novelty:${c.mode}`;
  return `${c.name}:${c.mode}${c.skip > 0 ? `+${c.skip}` : ""}`;
}
