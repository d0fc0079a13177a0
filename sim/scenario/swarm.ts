import { z } from "zod";
import { OP_NAMES, type OpName } from "../ops/index.ts";

const chance = z.number().min(0).max(1);

/**
 * Swarm testing (Groce et al.; FoundationDB's and VOPR's knobs): each universe of a swarm
 * scenario first draws which operations, features and fault families it enables, from its
 * own seed, then lives its life inside that subset. A universe that never boots explores
 * apply's crash points more deeply; one with the lock off lets two applies meet the CAS.
 * Each field is the chance that one thing stays on in a universe.
 */
export const SwarmSchema = z
  .object({
    /** Chance each operation with a positive weight stays in a universe's alphabet. */
    ops: chance.default(0.5),
    /** Operations every universe keeps. */
    always: z.array(z.enum(OP_NAMES as [OpName, ...OpName[]])).default(["apply"]),
    /** Each kept weight is scaled by a factor drawn log-uniformly in [1/spread, spread]. */
    spread: z.number().min(1).max(16).default(4),
    /** Chance crash placement is narrowed to a random subset of failpoint families. */
    focus: chance.default(0.5),
    /** Chance steps without a crash point carry a novelty crash (see CrashSchema). */
    novelty: chance.default(0.5),
    features: z
      .object({
        /** Crash points and injected errors at all. */
        crashes: chance.default(0.8),
        /** Storage weather, when the scenario has fault rules. */
        faults: chance.default(0.5),
        /** Lying storage on top of the weather (verdicts after the first lie are excused). */
        hostileFaults: chance.default(0.1),
        /** Operator edits racing commands, at the scenario's rate. */
        races: chance.default(0.5),
        /** The ledger lock off: concurrent commands meet only the compare-and-swap. */
        lockOff: chance.default(0.25),
        /** A ledger aged at birth as an older Omnigraph wrote it. */
        legacy: chance.default(0.25),
        /** The operator's edits write hostile configuration too (see DrawView.hostile). */
        hostileConfig: chance.default(0.25),
        /** An operator who fixes what blocks apply soon after it does (see respond.ts). */
        respond: chance.default(0.5),
        /** A backend other than the model's atomic object store: S3 or a local filesystem. */
        backend: chance.default(0.3),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type Swarm = z.infer<typeof SwarmSchema>;
