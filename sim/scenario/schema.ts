import { z } from "zod";
import { isDefectName } from "../../src/world/defects.ts";
import { FAULT_KIND_NAMES, FAULTS_WITH_ARG } from "../../src/world/faultKinds.ts";
import { BACKEND_PROFILES, DEFAULT_BACKEND_PROFILE } from "../../src/world/store/profiles.ts";
import { EDIT_OPS, OP_NAMES, OPS, type OpName, type OpTable } from "../ops/index.ts";
import { LEGACY_KINDS } from "../ops/legacyStrip.ts";
import type { StepOf } from "../ops/OpSpec.ts";
import { FailpointNameSchema, graphId } from "./primitives.ts";
import { SwarmSchema } from "./swarm.ts";

export { POLICY_CHANGES } from "../ops/editPolicy.ts";
export { QUERY_CHANGES } from "../ops/editQuery.ts";
export { SCHEMA_CHANGES } from "../ops/editSchema.ts";
export { OP_NAMES, type OpName } from "../ops/index.ts";
export { FailpointNameSchema } from "./primitives.ts";

/**
 * Scenario files: what a universe is made of. Two kinds share one step vocabulary:
 * - scripted: an explicit list of steps with expected outcomes (regressions, shrunk failures,
 *   reviewers' hand-written cases);
 * - generative: the rules a seeded sampler draws steps from.
 * A generative universe is recorded as the scripted steps it actually ran, which is what
 * shrinking works on and what a shrunk failure file contains.
 */

/** Limits that keep one universe small enough to judge: bad input beyond them, never a hang. */
export const MAX_GRAPHS = 16;
export const MAX_LENGTH = 1_000;

export const CrashSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("failpoint"),
      name: FailpointNameSchema,
      mode: z.enum(["crash", "error"]),
      /** Fire at the (skip+1)-th time the point is reached within the step. */
      skip: z.number().int().min(0).default(0),
    })
    .strict(),
  z.object({ kind: z.literal("kill-at-write"), k: z.number().int().min(1) }).strict(),
  z
    .object({
      kind: z.literal("novelty"),
      mode: z.enum(["crash", "error"]),
      /**
       * Placed as the step runs, where the universe has least been: each failpoint the step
       * reaches fires with chance rate / n², n the times the universe has reached it (a path
       * never passed before: rate), at most `max` times (an error, then maybe a failure of
       * the code handling it). The step is recorded with the failpoints it fired at, so it
       * replays as plain ones; one that fired nowhere is recorded without a crash.
       */
      rate: z.number().gt(0).max(1).default(0.5),
      max: z.number().int().min(1).max(4).default(2),
      /**
       * Fire first at the nth failpoint the step passes for the first time in the universe's
       * life (birth aside), whatever the rate; later points as `rate` says. Each of a step's
       * new points is then equally likely to be the one, where `rate` alone favours the
       * first few (a late point of a new path is reached only if none before it fired).
       */
      nth: z.number().int().min(1).max(64).optional(),
      /** Only failpoints whose names start with one of these. */
      only: z.array(z.string()).optional(),
    })
    .strict(),
]);
export type Crash = z.infer<typeof CrashSchema>;

export const ExpectSchema = z
  .object({
    ok: z.boolean().optional(),
    died: z.boolean().optional(),
    converged: z.boolean().optional(),
    /** Diagnostic codes the step's output must include. */
    codes: z.array(z.string()).optional(),
    /** Diagnostic codes it must not include. */
    absent: z.array(z.string()).optional(),
    /** Number of cluster recovery sidecars in the store after the step. */
    sidecars: z.number().int().min(0).optional(),
    /** For boot: the ready graph ids (sorted), or that boot failed. */
    ready: z.array(graphId).optional(),
    bootFailed: z.boolean().optional(),
  })
  .strict();
export type Expect = z.infer<typeof ExpectSchema>;

/** One crash point, or several for a step that must fail twice (e.g. an engine error, then its cleanup). */
export const CrashesSchema = z.union([CrashSchema, z.array(CrashSchema).min(1).max(4)]);

/**
 * A storage fault pinned to a step: the `at`-th call the step makes through the fault layer
 * gets `kind`. `arg` is what the fault drew when it was recorded (latency in ms, the kept
 * length of a truncated read, the flipped position of a corrupt one, how many landed writes
 * back a stale answer looks). A generative universe records its faults this way, so a failing
 * universe with storage weather replays (and shrinks) as a scripted one.
 */
export const StepFaultSchema = z
  .object({
    at: z.number().int().min(1),
    kind: z.enum(FAULT_KIND_NAMES),
    arg: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((f) => !FAULTS_WITH_ARG.has(f.kind) || f.arg !== undefined, {
    message: `${[...FAULTS_WITH_ARG].join(", ")} need their arg`,
    path: ["arg"],
  });

export type StepFault = z.infer<typeof StepFaultSchema>;

/** An operation's own fields as a strict zod object with its literal `op`, plus `extra`. */
function stepObject<E extends z.ZodRawShape>(
  o: { readonly op: string; readonly shape: z.ZodRawShape },
  extra: E,
) {
  return z.object({ op: z.literal(o.op), ...o.shape, ...extra }).strict();
}

type FieldOp = Exclude<OpTable[OpName], { readonly kind: "composite" }>;
type FieldOpName = FieldOp["op"];
type EditOpName = Extract<FieldOp, { readonly kind: "edit" }>["op"];
type BareStep<K extends FieldOpName> = StepOf<K, Extract<FieldOp, { readonly op: K }>["shape"]>;

/** A working-tree edit, as a step of its own or racing a command. */
export type Edit = { [K in EditOpName]: BareStep<K> }[EditOpName];

/** Working-tree edits an operator can make while a command runs (see RaceSchema). */
const EditSchema = z.discriminatedUnion(
  "op",
  EDIT_OPS.flatMap((o) => {
    const spec = OPS[o];
    return spec.kind === "edit" ? [stepObject(spec, {})] : [];
  }) as unknown as [z.ZodObject<{ op: z.ZodLiteral<string> }>],
) as unknown as z.ZodType<Edit>;

/**
 * An operator edit racing the step: made the first time the step reaches failpoint `at`, in
 * the middle of the command (a time-of-check/time-of-use window, e.g. the schema file changing
 * between the config load and a graph create's re-read).
 */
export const RaceSchema = z.object({ at: FailpointNameSchema, edit: EditSchema }).strict();
export type Race = z.infer<typeof RaceSchema>;

const base = {
  crash: CrashesSchema.optional(),
  expect: ExpectSchema.optional(),
  faults: z.array(StepFaultSchema).min(1).optional(),
  race: RaceSchema.optional(),
};
type Base = z.infer<z.ZodObject<typeof base>>;

/** A step of one operation that runs alone (every operation but the composite one). */
export type Action = { [K in FieldOpName]: BareStep<K> & Base }[FieldOpName];

/** Operations one actor can run inside a concurrent step, in table order. */
export const CONCURRENT_OPS = OP_NAMES.filter((o) => OPS[o].traits.concurrent);

/** Steps of every operation but the composite one, each as its row declares it. */
const FIELD_STEPS = OP_NAMES.flatMap((o) => {
  const spec = OPS[o];
  return spec.kind === "composite" ? [] : [stepObject(spec, base)];
});

const ActionSchema = z.discriminatedUnion(
  "op",
  FIELD_STEPS as unknown as [z.ZodObject<{ op: z.ZodLiteral<string> }>],
) as unknown as z.ZodType<Action>;

/** Two or three actors, interleaved at store calls by a seeded scheduler. */
const ConcurrentlySchema = z
  .object({
    op: z.literal(OPS.concurrently.op),
    actors: z
      .array(ActionSchema)
      .min(2)
      .max(3)
      .refine(
        (as) =>
          as.every(
            (a) =>
              (CONCURRENT_OPS as readonly string[]).includes(a.op) &&
              a.crash === undefined &&
              a.expect === undefined &&
              a.faults === undefined &&
              a.race === undefined,
          ),
        {
          message: `concurrent actors run ${CONCURRENT_OPS.join(", ")}, without their own crash, expect, faults or race`,
        },
      ),
    ...base,
  })
  .strict();

export type Step = Action | z.infer<typeof ConcurrentlySchema>;

export const StepSchema = z.discriminatedUnion("op", [
  ...(FIELD_STEPS as unknown as [z.ZodObject<{ op: z.ZodLiteral<string> }>]),
  ConcurrentlySchema,
]) as unknown as z.ZodType<Step>;

export const FixtureSchema = z
  .object({
    /** Graphs declared at birth, each on the people schema with the find_person query. */
    graphs: z
      .array(graphId)
      .min(1)
      .max(MAX_GRAPHS)
      .refine((g) => new Set(g).size === g.length, "each graph id at most once")
      .default(["knowledge"]),
    /** Declare a mock embedding provider bound to every graph. */
    provider: z.boolean().default(false),
    /** A policy bound to every graph. */
    policy: z.boolean().default(true),
    /** `state.lock` in cluster.yaml: false lets commands run without the lock (the CAS is the only fence). */
    stateLock: z.boolean().default(true),
    /** Import and apply at birth, so life starts from a converged, serving cluster. */
    converged: z.boolean().default(true),
    /** People loaded into every graph at birth, so oracles can check that data survives. */
    rows: z.number().int().min(0).max(50).default(0),
    /**
     * Age the cluster after birth as an older Omnigraph would have left it: ledger metadata
     * stripped (`policy-bindings`, `embedding-profile`), or graphs without a schema contract
     * (`schema-contract`).
     */
    legacy: z.array(z.enum(LEGACY_KINDS)).default([]),
    /**
     * The storage upstream runs over (src/world/store/profiles.ts): the model's own atomic
     * object store, S3 (rename as copy then delete, prefix deletes object by object), or a
     * local filesystem (directories that exist on their own, a compare-then-put ledger write).
     */
    backend: z.enum(BACKEND_PROFILES).default(DEFAULT_BACKEND_PROFILE),
  })
  .strict();
export type Fixture = z.infer<typeof FixtureSchema>;

export const ScriptedScenarioSchema = z
  .object({
    kind: z.literal("scripted"),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case words joined by -"),
    description: z.string().min(1),
    fixture: FixtureSchema.default(FixtureSchema.parse({})),
    serve: z
      .object({ strict: z.boolean().default(false) })
      .strict()
      .default({ strict: false }),
    /** Planted defects this case runs with (a shrunk failure of a defect fleet carries its defect). */
    defects: z.array(z.string().refine(isDefectName, { message: "unknown defect" })).default([]),
    steps: z.array(StepSchema).min(1).max(MAX_LENGTH, `at most ${MAX_LENGTH} steps`),
    /** Run the liveness phase (heal, remedy, boot) after the steps. */
    liveness: z.boolean().default(true),
  })
  .strict();
export type ScriptedScenario = z.infer<typeof ScriptedScenarioSchema>;

export const CrashPlanSchema = z
  .object({
    /** Chance that a step that can reach a crash point gets one. */
    probability: z.number().min(0).max(1),
    /** Upper bound on deaths and injected errors per universe. */
    max: z.number().int().min(0).default(3),
    modes: z
      .object({ crash: z.number().min(0), error: z.number().min(0) })
      .strict()
      .default({ crash: 1, error: 1 }),
    placement: z
      .object({ failpoint: z.number().min(0), killAtWrite: z.number().min(0) })
      .strict()
      .default({ failpoint: 3, killAtWrite: 1 }),
    /**
     * Chance that a step given no crash point carries a novelty crash instead (see
     * CrashSchema): it fires mostly where the universe has not been before, and counts
     * against \`max\` only when it fires.
     */
    novelty: z.number().min(0).max(1).default(0),
    /** Weigh a learned failpoint by how rarely the universe has passed it, not uniformly. */
    rare: z.boolean().default(false),
    /** Restrict failpoint placement to names starting with one of these prefixes. */
    only: z.array(z.string()).optional(),
    /** Also crash inside recovery: the step right after a death gets a crash point too. */
    doubleFault: z.boolean().default(true),
  })
  .strict();
export type CrashPlan = z.infer<typeof CrashPlanSchema>;

export const FaultRulesSchema = z
  .object({
    /** Clean errors, lost acknowledgements and latency: what a correct system must tolerate. */
    honest: z.boolean().default(true),
    /** A store that lies (lost, misdirected, corrupted, stale): judged detected-or-harmless. */
    hostile: z.boolean().default(false),
    /** Upper bound of each drawn per-call rate. */
    maxRate: z.number().min(0).max(0.5).default(0.05),
  })
  .strict();
export type FaultRules = z.infer<typeof FaultRulesSchema>;

export const GenerativeScenarioSchema = z
  .object({
    kind: z.literal("generative"),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case words joined by -"),
    description: z.string().min(1),
    fixture: FixtureSchema.default(FixtureSchema.parse({})),
    serve: z
      .object({ strict: z.boolean().default(false) })
      .strict()
      .default({ strict: false }),
    length: z
      .object({
        min: z.number().int().min(1),
        max: z.number().int().min(1).max(MAX_LENGTH, `at most ${MAX_LENGTH} steps a universe`),
      })
      .strict()
      .refine((l) => l.max >= l.min, "max must be at least min"),
    weights: z.partialRecord(z.enum(OP_NAMES as [OpName, ...OpName[]]), z.number().min(0)),
    crash: CrashPlanSchema,
    /** Storage weather during life (never during birth or the liveness phase). */
    faults: FaultRulesSchema.optional(),
    /**
     * Chance that a command step gets an operator edit racing it (a `race`, at a failpoint
     * that kind of command has reached before in the universe).
     */
    races: z.number().min(0).max(1).default(0),
    /** Let the operator's edits write hostile configuration too (see DrawView.hostile). */
    hostileConfig: z.boolean().default(false),
    /**
     * Chance that, while something blocks apply (a stale lock, a file apply refuses, a
     * deletion awaiting approval), the next step is the operator's fix (see respond.ts).
     */
    respond: z.number().min(0).max(1).default(0),
    /** Draw each universe's operations, features and fault families first (see swarm.ts). */
    swarm: SwarmSchema.optional(),
    liveness: z.boolean().default(true),
  })
  .strict();
export type GenerativeScenario = z.infer<typeof GenerativeScenarioSchema>;

export const ScenarioSchema = z.discriminatedUnion("kind", [
  ScriptedScenarioSchema,
  GenerativeScenarioSchema,
]);
export type Scenario = z.infer<typeof ScenarioSchema>;
