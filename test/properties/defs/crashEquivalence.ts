import { fc } from "@fast-check/vitest";
import { KNOWN_FINDINGS } from "../../../sim/findings/index.ts";
import type { Step } from "../../../sim/scenario/schema.ts";
import type { DefectName } from "../../../src/world/defects.ts";
import { worldSeed } from "../lib/arbitraries.ts";
import {
  type Case,
  explain,
  oracle,
  type PropertyViolation,
  type Run,
  runCase,
} from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";

const NAME = "crashEquivalence";

export const OPERATIONS = ["schema-apply", "create", "delete", "metadata"] as const;
type Operation = (typeof OPERATIONS)[number];

/** One failpoint and the universe around it; `crash` and `error` mode are its two runs. */
export interface EquivalenceCase {
  readonly seed: number;
  readonly fixture: Case["fixture"];
  /** The steps before the apply that meets the failpoint. */
  readonly before: readonly Step[];
  readonly failpoint: string;
  readonly skip: number;
}

const lead: Record<Operation, Step[]> = {
  "schema-apply": [{ op: "edit-schema", graph: "knowledge", change: "add-optional" }],
  create: [{ op: "add-graph", graph: "people" }],
  delete: [
    { op: "remove-graph", graph: "archive" },
    { op: "apply" },
    { op: "approve", resource: "graph.archive" },
  ],
  metadata: [
    { op: "edit-policy", change: "touch" },
    { op: "edit-provider", change: "model" },
  ],
};

const FIXTURE = { graphs: ["archive", "knowledge"], provider: true };

/**
 * The failpoints the operation's apply reaches in a fault-free run, with how often: computed
 * once from two probe universes (the steps before the apply, and the same with it), so every
 * generated case names a point the apply really passes and a hit it really makes.
 */
async function reachedByApply(op: Operation): Promise<Array<readonly [string, number]>> {
  const before = lead[op];
  const probe = async (steps: Step[]) =>
    new Map(
      (await runCase(NAME, { seed: 1, fixture: FIXTURE, steps, liveness: false }, [])).result
        .reached,
    );
  const a = await probe(before.length > 0 ? before : [{ op: "status" }]);
  const b = await probe([...before, { op: "apply" }]);
  return [...b]
    .map(([name, n]) => [name, n - (a.get(name) ?? 0)] as const)
    .filter(([, n]) => n > 0);
}

export const REACHED: Readonly<Record<Operation, ReadonlyArray<readonly [string, number]>>> = {
  "schema-apply": await reachedByApply("schema-apply"),
  create: await reachedByApply("create"),
  delete: await reachedByApply("delete"),
  metadata: await reachedByApply("metadata"),
};

const arbitrary: fc.Arbitrary<EquivalenceCase> = fc
  .record({
    seed: worldSeed(),
    operation: fc.constantFrom(...OPERATIONS),
    rows: fc.integer({ min: 0, max: 3 }),
  })
  .chain(({ seed, operation, rows }) =>
    fc.constantFrom(...REACHED[operation]).chain(([failpoint, hits]) =>
      fc.integer({ min: 0, max: Math.min(hits - 1, 2) }).map((skip) => ({
        seed,
        fixture: { ...FIXTURE, rows },
        before: lead[operation],
        failpoint,
        skip,
      })),
    ),
  );

export function caseIn(c: EquivalenceCase, mode: "crash" | "error"): Case {
  return {
    seed: c.seed,
    fixture: c.fixture,
    steps: [
      ...c.before,
      { op: "apply", crash: { kind: "failpoint", name: c.failpoint, mode, skip: c.skip } } as Step,
    ],
    liveness: true,
  };
}

/** What a converged ledger says about each resource (recovery and approval records aside). */
function appliedResources(run: Run): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ledger = run.universe.latest()?.ledger;
  for (const [addr, e] of Object.entries(ledger?.resources ?? {})) {
    out[addr] = {
      digest: e.digest,
      applies_to: e.applies_to,
      embedding_profile: e.embedding_profile,
      embedding_provider: e.embedding_provider,
    };
  }
  return out;
}

function knownFinding(run: Run): string | null {
  for (const name of ["serve-liveness", "crash-contract"]) {
    for (const v of oracle(name).judge(run.input)) {
      const f = KNOWN_FINDINGS.find((k) => k.matches(v, run.input));
      if (f !== undefined) return f.id;
    }
  }
  return null;
}

export const RETRY_ROUNDS = 3;

/** The engine's schema-apply lock branch ref under a graph root (spec §4.6 step 3). */
const LOCK_BRANCH = (g: string) =>
  `graphs/${g}.omni/__manifest/branches/__schema_apply_lock__.json`;

/**
 * The rest of the documented remedy, which the liveness phase stops short of once the server
 * boots with every applied graph: the "retry" of remove-and-retry (the liveness phase may
 * remove a partial root of a graph being created and boot without creating it again), and
 * removing a schema-apply lock branch a dead engine left behind (spec §4.8 last row, §8.4
 * item 2: "every later schema apply fails the same way until the branch is removed"; no
 * engine API deletes it, so the operator removes the ref by hand, as the conformance suite
 * does). Apply runs again, force-unlocking first when needed, until it reports convergence.
 */
async function retryUntilConverged(run: Run): Promise<boolean> {
  const u = run.universe;
  for (let i = 0; i < RETRY_ROUNDS; i++) {
    if (u.latest()?.lockPresent) await u.run({ op: "force-unlock" }, "liveness");
    const r = await u.run({ op: "apply" }, "liveness");
    if (r.outcome.kind !== "apply") continue;
    if (r.outcome.view.ok && r.outcome.view.converged) return true;
    for (const d of r.outcome.view.diagnostics) {
      if (d.code !== "schema_apply_failed" || !d.message.includes("already in progress")) continue;
      const g = d.path.replace(/^schema\./, "");
      await u.world.store.delete(LOCK_BRANCH(g));
      u.world.trace.push({ t: "note", text: `operator removes the leftover lock branch of ${g}` });
    }
  }
  return false;
}

async function runBoth(c: EquivalenceCase, defects: readonly DefectName[]) {
  return {
    crash: await runCase(NAME, caseIn(c, "crash"), defects),
    error: await runCase(NAME, caseIn(c, "error"), defects),
  };
}

/**
 * Property 7. For every failpoint an apply reaches (and each of its first three hits), in a universe that creates a graph,
 * migrates a schema, deletes an approved graph or changes metadata: running the same world
 * with the failpoint in `crash` mode (the process dies there, leaving the lock) and in `error`
 * mode (an injected error returns control) leads to states from which the documented remedy
 * (sim/universe/liveness.ts: force-unlock first when a lock was left, then apply, ...)
 * reaches a booting server, after which apply converges within RETRY_ROUNDS retries (the
 * "retry" of remove-and-retry, which the liveness phase leaves out once the server boots),
 * with the same ledger in both modes: every applied resource with the same digest, bindings, profile and provider
 * binding. Universes that reproduce a known upstream finding (F1, F2) in either mode are
 * excluded, because the remedy cannot converge there by definition.
 */
export const crashEquivalence: Property<EquivalenceCase> = {
  name: NAME,
  statement:
    "for every failpoint, crash mode and error mode lead to states from which the remedy converges to the same ledger",
  excludes:
    "universes that reproduce a known upstream finding of sim/findings (F1, F2, ...) in either mode",
  arbitrary,
  numRuns: 200,
  async check(c, defects) {
    const runs = await runBoth(c, defects);
    if (knownFinding(runs.crash) !== null || knownFinding(runs.error) !== null) return [];
    const out: PropertyViolation[] = [];
    for (const mode of ["crash", "error"] as const) {
      const l = runs[mode].universe.liveness;
      if (!(await retryUntilConverged(runs[mode])))
        out.push({
          code: "remedy_did_not_converge",
          step: -1,
          detail: `apply converges within ${RETRY_ROUNDS} retries after the liveness phase, in ${mode} mode`,
        });
      // The remedy's goal is a booting server; its last apply may still report pending work
      // that the refresh after it recorded, so the ledger comparison below is what converges.
      if (!l.bootOk)
        out.push({
          code: "remedy_did_not_boot",
          step: -1,
          detail: `the remedy reaches a booting server after ${mode} mode (${l.note})`,
        });
    }
    const a = appliedResources(runs.crash);
    const b = appliedResources(runs.error);
    const addrs = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    const differ = addrs.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (differ.length > 0)
      out.push({
        code: "ledgers_differ",
        step: -1,
        detail: `the same ledger after the remedy in both modes; differ at ${differ
          .map((k) => `${k}: crash ${JSON.stringify(a[k])} vs error ${JSON.stringify(b[k])}`)
          .join("; ")}`,
      });
    return out;
  },
  explain: (c, v) =>
    [
      explain(NAME, caseIn(c, "crash"), v),
      "(and the same with mode: error for the other run)",
    ].join("\n"),
};
