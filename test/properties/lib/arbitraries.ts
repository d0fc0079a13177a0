import { fc } from "@fast-check/vitest";
import { OP_NAMES, OPS } from "../../../sim/ops/index.ts";
import type { Crash, Fixture, OpName, Step, StepFault } from "../../../sim/scenario/schema.ts";
import { QUERY_CHANGES, SCHEMA_CHANGES } from "../../../sim/scenario/schema.ts";
import { reachableFailpoints } from "../../../sim/universe/reach.ts";
import type { FailpointName } from "../../../src/catalog/failpoints.ts";
import { FAULT_KINDS, HONEST_FAULTS } from "../../../src/world/faultKinds.ts";

/**
 * Arbitraries for generated universes: worlds (a seed and a fixture), operation streams (the
 * scripted steps of sim/scenario/schema.ts) and crash and fault schedules (each step's
 * optional `crash` and pinned storage `faults`). Everything is plain data that fast-check shrinks: shorter step lists,
 * fewer crashes, earlier failpoints, smaller seeds.
 */

/** Graph ids a generated universe uses: a small pool, so operations meet each other. */
export const GRAPHS = ["knowledge", "archive", "people"] as const;
export type GraphId = (typeof GRAPHS)[number];

/** A world seed: every id, row and clock reading of the universe derives from it. */
export const worldSeed = (): fc.Arbitrary<number> => fc.integer({ min: 1, max: 1_000_000 });

/** 1..max of the graph pool, in pool order. */
export const graphSet = (min: number, max: number): fc.Arbitrary<GraphId[]> =>
  fc.subarray([...GRAPHS], { minLength: min, maxLength: max });

export function fixture(opts: {
  readonly graphs: fc.Arbitrary<string[]>;
  readonly provider?: fc.Arbitrary<boolean>;
  readonly rows?: fc.Arbitrary<number>;
  readonly legacy?: fc.Arbitrary<Fixture["legacy"]>;
  readonly stateLock?: fc.Arbitrary<boolean>;
}): fc.Arbitrary<Partial<Fixture>> {
  return fc.record({
    graphs: opts.graphs,
    stateLock: opts.stateLock ?? fc.constant(true),
    provider: opts.provider ?? fc.constant(false),
    rows: opts.rows ?? fc.integer({ min: 0, max: 3 }),
    legacy: opts.legacy ?? fc.constant([] as Fixture["legacy"]),
  });
}

/** A crash point at one of `names`, in either mode (or the one given), maybe skipping a hit. */
export function failpointAt(
  names: readonly FailpointName[],
  mode?: "crash" | "error",
  opts: { readonly skips?: boolean } = {},
): fc.Arbitrary<Crash> {
  return fc.record({
    kind: fc.constant("failpoint" as const),
    name: fc.constantFrom(...names),
    mode:
      mode === undefined ? fc.constantFrom("crash" as const, "error" as const) : fc.constant(mode),
    skip:
      opts.skips === false
        ? fc.constant(0)
        : fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 2 })),
  });
}

/** A death at the k-th durable write of the step. */
export const killAtWrite = (max = 30): fc.Arbitrary<Crash> =>
  fc.record({ kind: fc.constant("kill-at-write" as const), k: fc.integer({ min: 1, max: max }) });

/** Any crash point `op` can reach (a failpoint in either mode, or a death at a write). */
export function crashFor(op: OpName): fc.Arbitrary<Crash> | null {
  const names = reachableFailpoints(op);
  if (names.length === 0) return null;
  return fc.oneof(
    { weight: 3, arbitrary: failpointAt(names) },
    { weight: 1, arbitrary: killAtWrite() },
  );
}

/** A step, with a crash point attached with roughly the given probability when `op` can reach one. */
export function withCrash(step: fc.Arbitrary<Step>, chance: number): fc.Arbitrary<Step> {
  return step.chain((s) => {
    const c = crashFor(s.op);
    if (c === null || chance <= 0) return fc.constant(s);
    const denominator = Math.max(1, Math.round(1 / chance) - 1);
    return fc.oneof(
      { weight: denominator, arbitrary: fc.constant(s) },
      { weight: 1, arbitrary: c.map((crash) => ({ ...s, crash }) as Step) },
    );
  });
}

/**
 * A storage fault pinned to one of a step's first `maxAt` store calls: honest kinds only
 * (a failed call, a landed write whose acknowledgement is lost, latency), which a correct
 * control plane must tolerate. Shrinks toward fewer faults at earlier calls.
 */
/** Honest kinds without a parameter: a failed call, or a landed write with its ack lost. */
const CLEAN_HONEST = HONEST_FAULTS.filter((k) => FAULT_KINDS[k].arg === null);

export function honestFault(maxAt = 60): fc.Arbitrary<StepFault> {
  // Most steps make a dozen calls or so; later calls (a schema apply's) are drawn less often.
  const at = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 12 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: maxAt }) },
  );
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        at,
        kind: fc.constantFrom(...CLEAN_HONEST),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        at,
        kind: fc.constant("latency" as const),
        arg: fc.integer({ min: FAULT_KINDS.latency.arg.min, max: FAULT_KINDS.latency.arg.max }),
      }),
    },
  );
}

/** Operations that make no store call: a fault pinned to them could never fire. */
const CALL_FREE: ReadonlySet<OpName> = new Set(OP_NAMES.filter((o) => OPS[o].kind === "edit"));

/** A step with one or two honest storage faults attached with roughly the given probability. */
export function withFaults(step: fc.Arbitrary<Step>, chance: number): fc.Arbitrary<Step> {
  if (chance <= 0) return step;
  const denominator = Math.max(1, Math.round(1 / chance) - 1);
  return step.chain((s) =>
    CALL_FREE.has(s.op)
      ? fc.constant(s)
      : fc.oneof(
          { weight: denominator, arbitrary: fc.constant(s) },
          {
            weight: 1,
            arbitrary: fc
              .array(honestFault(), { minLength: 1, maxLength: 2 })
              .map((faults) => ({ ...s, faults }) as Step),
          },
        ),
  );
}

const g = fc.constantFrom(...GRAPHS);

/** Every operation of the step vocabulary, with arguments from the pools, by weight. */
export function anyStep(weights: Partial<Record<OpName, number>> = {}): fc.Arbitrary<Step> {
  const w = (op: OpName, dflt: number) => weights[op] ?? dflt;
  const table: Array<[OpName, number, fc.Arbitrary<Step>]> = [
    [
      "edit-schema",
      w("edit-schema", 3),
      fc.record({
        op: fc.constant("edit-schema" as const),
        graph: g,
        change: fc.constantFrom(...SCHEMA_CHANGES),
      }),
    ],
    [
      "edit-query",
      w("edit-query", 1),
      fc.record({
        op: fc.constant("edit-query" as const),
        graph: g,
        change: fc.constantFrom(...QUERY_CHANGES),
      }),
    ],
    [
      "edit-policy",
      w("edit-policy", 1),
      fc.record({
        op: fc.constant("edit-policy" as const),
        change: fc.constantFrom("touch" as const, "revert" as const),
      }),
    ],
    [
      "edit-provider",
      w("edit-provider", 1),
      fc.record({
        op: fc.constant("edit-provider" as const),
        change: fc.constantFrom("model" as const, "revert" as const),
      }),
    ],
    [
      "add-graph",
      w("add-graph", 1),
      fc.record({ op: fc.constant("add-graph" as const), graph: g }),
    ],
    [
      "remove-graph",
      w("remove-graph", 1),
      fc.record({ op: fc.constant("remove-graph" as const), graph: g }),
    ],
    ["apply", w("apply", 6), fc.constant({ op: "apply" } as Step)],
    ["approve", w("approve", 1), g.map((x) => ({ op: "approve", resource: `graph.${x}` }) as Step)],
    ["plan", w("plan", 1), fc.constant({ op: "plan" } as Step)],
    ["status", w("status", 1), fc.constant({ op: "status" } as Step)],
    ["refresh", w("refresh", 1), fc.constant({ op: "refresh" } as Step)],
    ["force-unlock", w("force-unlock", 1), fc.constant({ op: "force-unlock" } as Step)],
    ["boot", w("boot", 3), fc.constant({ op: "boot" } as Step)],
    [
      "branch-create",
      w("branch-create", 1),
      fc.record({
        op: fc.constant("branch-create" as const),
        graph: g,
        branch: fc.constantFrom("feature", "review"),
      }),
    ],
    [
      "branch-delete",
      w("branch-delete", 1),
      fc.record({
        op: fc.constant("branch-delete" as const),
        graph: g,
        branch: fc.constantFrom("feature", "review"),
      }),
    ],
    [
      "insert",
      w("insert", 1),
      fc.record({
        op: fc.constant("insert" as const),
        graph: g,
        rows: fc.integer({ min: 1, max: 3 }),
      }),
    ],
    ["open-rw", w("open-rw", 1), fc.record({ op: fc.constant("open-rw" as const), graph: g })],
    [
      "legacy-strip",
      w("legacy-strip", 1),
      fc.record({
        op: fc.constant("legacy-strip" as const),
        what: fc.constantFrom("policy-bindings" as const, "embedding-profile" as const),
      }),
    ],
  ];
  return fc.oneof(
    ...table
      .filter(([, weight]) => weight > 0)
      .map(([, weight, arbitrary]) => ({ weight, arbitrary })),
  );
}

/** Two or three actors running at once, interleaved at store calls by the world's scheduler. */
export function concurrently(): fc.Arbitrary<Step> {
  const actor = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ op: "apply" } as const) },
    { weight: 2, arbitrary: fc.constant({ op: "refresh" } as const) },
    { weight: 1, arbitrary: fc.constant({ op: "boot" } as const) },
    { weight: 1, arbitrary: g.map((graph) => ({ op: "insert", graph, rows: 1 }) as const) },
    { weight: 1, arbitrary: g.map((graph) => ({ op: "open-rw", graph }) as const) },
    {
      weight: 1,
      arbitrary: g.map((graph) => ({ op: "branch-create", graph, branch: "feature" }) as const),
    },
  );
  return fc
    .array(actor, { minLength: 2, maxLength: 3 })
    .map((actors) => ({ op: "concurrently", actors }) as Step);
}

/**
 * A whole life: a world (seed, 1..3 graphs, maybe a provider, maybe rows, maybe an aged
 * ledger) and a stream of any operations, each with a crash point now and then, followed by
 * the liveness phase.
 */
export function lifeCase(opts: {
  readonly maxSteps: number;
  readonly crashChance: number;
  readonly weights?: Partial<Record<OpName, number>>;
  /** Weight of concurrent steps (two or three actors at once) among the others; 0: none. */
  readonly concurrent?: number;
  /** Chance that a step carries honest storage faults pinned to its calls; 0: none. */
  readonly faultChance?: number;
}): fc.Arbitrary<{
  seed: number;
  fixture: Partial<Fixture>;
  steps: Step[];
  liveness: true;
}> {
  const one = withCrash(anyStep(opts.weights), opts.crashChance);
  const plain = opts.concurrent
    ? fc.oneof(
        { weight: 10, arbitrary: one },
        { weight: opts.concurrent, arbitrary: concurrently() },
      )
    : one;
  const step = withFaults(plain, opts.faultChance ?? 0);
  return fc.record({
    seed: worldSeed(),
    fixture: fixture({
      graphs: graphSet(1, 3),
      provider: fc.boolean(),
      legacy: fc.subarray(["policy-bindings", "embedding-profile"] as Fixture["legacy"]),
      // Without the state lock, concurrent applies race on the ledger's compare-and-swap.
      stateLock: opts.concurrent ? fc.boolean() : fc.constant(true),
    }),
    steps: fc.array(step, {
      minLength: 1,
      maxLength: opts.maxSteps,
    }),
    liveness: fc.constant(true as const),
  });
}
