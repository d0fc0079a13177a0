import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { OPS, type OpName } from "../ops/index.ts";
import type { DrawView } from "../ops/OpSpec.ts";
import type { Crash, Step } from "../scenario/schema.ts";

/** Which crash points the explorer adds to each step it takes. */
export const CRASH_MODES = ["all", "writes", "none"] as const;
export type CrashMode = (typeof CRASH_MODES)[number];

/** Skips tried per failpoint a step reaches several times (the first few passes of a loop). */
export const MAX_SKIP = 8;

/**
 * The representative steps of every selected operation from a state, in table order: each
 * operation's own `examples` (the graph, the change class, the pair of actors), read from the
 * universe as the sampler's view shows it.
 */
export function representatives(view: DrawView, ops: readonly OpName[]): Step[] {
  const out: Step[] = [];
  for (const op of ops) out.push(...(OPS[op].examples(view) as readonly Step[]));
  return out;
}

/** Whether a step runs a process (a command or concurrent actors): only those can crash. */
export function canCrash(step: Step): boolean {
  const kind = OPS[step.op].kind;
  return kind === "command" || kind === "composite";
}

/**
 * The crash points of one step, learned from running it once without any: each failpoint it
 * reached, at each of its passes (skip), in error and in crash mode (`all`), and a kill at each
 * of its durable writes (`all` and `writes`). `reached` lists the failpoints with how often the
 * step passed each, in the order the step first reached them.
 */
export function crashVariants(
  step: Step,
  reached: ReadonlyArray<readonly [string, number]>,
  writes: number,
  mode: CrashMode,
): Step[] {
  if (mode === "none" || !canCrash(step)) return [];
  const crashes: Crash[] = [];
  if (mode === "all")
    for (const [name, passes] of reached)
      for (let skip = 0; skip < Math.min(passes, MAX_SKIP); skip++)
        for (const m of ["error", "crash"] as const)
          crashes.push({ kind: "failpoint", name: name as FailpointName, mode: m, skip });
  for (let k = 1; k <= writes; k++) crashes.push({ kind: "kill-at-write", k });
  return crashes.map((crash) => ({ ...step, crash }) as Step);
}

/** A step as one short phrase: `apply`, `edit-schema archive add-type`, `apply (kill at write 3)`. */
export function describeStep(s: Step): string {
  const {
    op,
    crash,
    expect: _e,
    faults: _f,
    race: _r,
    ...fields
  } = s as Step & {
    readonly actors?: readonly Step[];
  };
  const args =
    op === "concurrently"
      ? [`[${(s as { actors: readonly Step[] }).actors.map(describeStep).join(" | ")}]`]
      : Object.values(fields).map(String);
  const c = crash === undefined ? [] : Array.isArray(crash) ? crash : [crash];
  const crashes = c.map((x) =>
    x.kind === "kill-at-write"
      ? `kill at write ${x.k}`
      : x.kind === "failpoint"
        ? `${x.mode} at ${x.name}${x.skip > 0 ? ` pass ${x.skip + 1}` : ""}`
        : "novelty",
  );
  return [op, ...args].join(" ") + (crashes.length > 0 ? ` (${crashes.join(", ")})` : "");
}
