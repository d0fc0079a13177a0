import type { z } from "zod";
import type { Rng } from "../../src/world/rng.ts";
import type { World } from "../../src/world/world.ts";
import type { DesiredConfig } from "../universe/desired.ts";
import type { Observation } from "../universe/observe.ts";
import type { Outcome } from "../universe/records.ts";
import type { ClusterCtx, System } from "../universe/system.ts";

/**
 * One operation of the step vocabulary, whole: the fields its steps carry, how the sampler
 * draws it, the few representative steps the explorer enumerates, how a universe carries it
 * out, and what it can reach. Every operation is one file under sim/ops/ and one row of the
 * table in ./index.ts, which the scenario schema, the sampler, the universe and the crash
 * placement all read: an operation cannot exist in one of them and be missing in another.
 */

/** What the sampler and the explorer read: the universe as its last observation shows it. */
export interface DrawView {
  readonly desired: DesiredConfig;
  readonly obs: Observation;
  readonly reachedByOp: ReadonlyMap<string, ReadonlySet<string>>;
  readonly desiredIds: readonly string[];
  /** Graph ids the ledger records (its `graph.` resources). */
  readonly ledgerGraphs: readonly string[];
  /** Graph ids whose root exists in the store. */
  readonly rootGraphs: readonly string[];
  /**
   * Draw hostile configuration too (invalid bundles and bindings, broken queries, unresolvable
   * provider profiles, a broken cluster.yaml). Absent or false: only valid configuration, with
   * exactly the draws a universe made before hostile edits existed.
   */
  readonly hostile?: boolean;
}

/** What an operation's execution gets: one process of the universe's world, and the system. */
export interface ExecEnv {
  readonly system: System;
  readonly ctx: ClusterCtx;
  readonly world: World;
  /** The observation before the step. */
  readonly pre: Observation;
  /** Serve mode for a boot. */
  readonly strict: boolean;
  readonly index: number;
  /** ".0", ".1" for an actor of a concurrent step, empty otherwise. */
  readonly actor: string;
}

/** The step an operation's fields describe, before a crash plan, faults, race and expectations. */
export type StepOf<N extends string, S extends z.ZodRawShape> = [keyof S] extends [never]
  ? { readonly op: N }
  : { readonly op: N } & z.infer<z.ZodObject<S>>;

/**
 * How an operation acts:
 * - `edit`: the operator changes the working tree (no process, no store call);
 * - `command`: a process runs a cluster command, a boot or an engine action;
 * - `harness`: the harness rewrites the store with its own privilege (no process);
 * - `composite`: several actors at once (the universe schedules them).
 */
export type OpKind = "edit" | "command" | "harness" | "composite";

/** What an operation is, beyond how it runs: read by crash placement, races and explanations. */
export interface OpTraits {
  /** Takes the ledger lock, so it meets a held one. */
  readonly locks: boolean;
  /** Writes the ledger by compare-and-swap. */
  readonly writesLedger: boolean;
  /** Can move a graph's main manifest. */
  readonly movesGraph: boolean;
  /** Runs recovery of some kind: where a second fault after a death makes a double fault. */
  readonly recovers: boolean;
  /** Loads the working tree and acts on what it read: an operator edit can race it. */
  readonly raceable: boolean;
  /** Can be one actor of a concurrent step. */
  readonly concurrent: boolean;
}

interface OpBase<N extends string, D> {
  readonly op: N;
  readonly traits: OpTraits;
  /** Failpoint name prefixes a step of this operation can reach (crash placement is op-aware). */
  readonly failpoints: readonly string[];
  /** The step's arguments drawn from the universe as it is, or null when its precondition fails. */
  draw(rng: Rng, view: DrawView): D | null;
  /** A small finite set of representative steps for exhaustive exploration (empty: none apply). */
  examples(view: DrawView): readonly D[];
  /**
   * Failpoint name prefixes where this step, run in the state `view` shows, does its work
   * (an apply with a graph to create passes the create path): crash placement prefers them,
   * where a catalogue-wide draw mostly lands on the lock and the ledger read every command
   * passes. Empty or absent: no preference.
   */
  work?(view: DrawView): readonly string[];
}

/** An operation whose steps carry fields of their own, declared as a zod shape. */
interface FieldsOp<N extends string, S extends z.ZodRawShape> extends OpBase<N, StepOf<N, S>> {
  /** The step's own fields (besides `op` and the fields every step has). */
  readonly shape: S;
}

export interface EditOp<N extends string, S extends z.ZodRawShape> extends FieldsOp<N, S> {
  readonly kind: "edit";
  /** Applies the edit to `desired` in place; a reason when the edit does not apply. */
  edit(desired: DesiredConfig, step: StepOf<N, S>): string | null;
}

export interface CommandOp<N extends string, S extends z.ZodRawShape> extends FieldsOp<N, S> {
  readonly kind: "command";
  /** A reason to skip the step before anything is armed, judged on the observation before it. */
  skip?(step: StepOf<N, S>, pre: Observation): string | null;
  exec(step: StepOf<N, S>, env: ExecEnv): Promise<Outcome>;
}

export interface HarnessOp<N extends string, S extends z.ZodRawShape> extends FieldsOp<N, S> {
  readonly kind: "harness";
  act(step: StepOf<N, S>, world: World): Promise<Outcome>;
}

/** One actor of a composite step: a step of a concurrent-capable operation. */
export interface ActorStep {
  readonly op: string;
}

/**
 * Several actors at once. Its `actors` field is the scenario schema's (every other
 * operation's step), so the schema declares it; the universe schedules the actors.
 */
export interface CompositeOp<N extends string, A extends ActorStep>
  extends OpBase<N, { readonly op: N; readonly actors: readonly A[] }> {
  readonly kind: "composite";
}

/** Identities, for inference: each keeps an operation's literal name and its fields' types. */
export const editOp = <N extends string, S extends z.ZodRawShape>(o: EditOp<N, S>) => o;
export const commandOp = <N extends string, S extends z.ZodRawShape>(o: CommandOp<N, S>) => o;
export const harnessOp = <N extends string, S extends z.ZodRawShape>(o: HarnessOp<N, S>) => o;
export const compositeOp = <N extends string, A extends ActorStep>(o: CompositeOp<N, A>) => o;

/** Traits of an operation that only edits the working tree. */
export const EDIT_TRAITS: OpTraits = {
  locks: false,
  writesLedger: false,
  movesGraph: false,
  recovers: false,
  raceable: false,
  concurrent: false,
};

/** Any operation, as the table holds it (its rows differ in their step types). */
export type AnyOp =
  // biome-ignore lint/suspicious/noExplicitAny: each row checks its own step type where it is defined
  | EditOp<string, any>
  // biome-ignore lint/suspicious/noExplicitAny: as above
  | CommandOp<string, any>
  // biome-ignore lint/suspicious/noExplicitAny: as above
  | HarnessOp<string, any>
  | CompositeOp<string, ActorStep>;
