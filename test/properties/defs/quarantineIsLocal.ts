import { fc } from "@fast-check/vitest";
import type { Step } from "../../../sim/scenario/schema.ts";
import type { StepRecord } from "../../../sim/universe/records.ts";
import {
  anyStep,
  failpointAt,
  fixture,
  GRAPHS,
  graphSet,
  withCrash,
  worldSeed,
} from "../lib/arbitraries.ts";
import { type Case, explain, judge, type PropertyViolation, runCase } from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";
import { AFTER_MOVEMENT } from "./sidecarsPersistAfterMidMovementFailures.ts";

const NAME = "quarantineIsLocal";

/**
 * Streams rich in what serve must classify: graph-local problems (schema applies and creates
 * interrupted anywhere, so sidecars, partial roots and engine residue stay behind; queries
 * that stop type-checking) and cluster-global ones (ledgers aged by an older Omnigraph), with
 * boots in default and strict mode all along.
 */
const g = fc.constantFrom(...GRAPHS);
const chunk: fc.Arbitrary<Step[]> = fc.oneof(
  // A schema apply interrupted after the manifest moved: a sidecar quarantines the graph.
  {
    weight: 2,
    arbitrary: fc
      .record({ graph: g, crash: failpointAt(AFTER_MOVEMENT["schema-apply"]) })
      .map(({ graph, crash }) => [
        { op: "edit-schema", graph, change: "add-optional" } as Step,
        { op: "apply", crash } as Step,
      ]),
  },
  // A create interrupted in the init gap: a sidecar, maybe a partial root.
  {
    weight: 1,
    arbitrary: failpointAt(AFTER_MOVEMENT.create).map((crash) => [
      { op: "add-graph", graph: "people" } as Step,
      { op: "apply", crash } as Step,
    ]),
  },
  {
    weight: 5,
    arbitrary: withCrash(
      anyStep({
        "edit-schema": 3,
        "edit-query": 2,
        apply: 5,
        "add-graph": 2,
        "open-rw": 1,
        "legacy-strip": 1,
        boot: 0,
        approve: 0,
        "remove-graph": 0,
        "branch-create": 0,
        "branch-delete": 0,
        "edit-provider": 0,
        import: 0,
      }),
      0.3,
    ).map((s) => [s]),
  },
  { weight: 4, arbitrary: fc.boolean().map((strict) => [{ op: "boot", strict } as Step]) },
);

const arbitrary: fc.Arbitrary<Case> = fc.record({
  seed: worldSeed(),
  fixture: fixture({ graphs: graphSet(2, 3), provider: fc.boolean() }),
  steps: fc
    .array(chunk, { minLength: 1, maxLength: 8 })
    .map((s) => [...s.flat(), { op: "boot" } as Step]),
  liveness: fc.constant(false),
});

const appliedGraphs = (r: StepRecord): string[] =>
  Object.keys(r.pre.ledger?.resources ?? {})
    .filter((a) => a.startsWith("graph."))
    .map((a) => a.slice(6));

/** The cluster-global problems of spec §5.4 that the harness can create, in the ledger. */
function globalProblems(r: StepRecord): string[] {
  const ledger = r.pre.ledger;
  if (ledger === null || !ledger.parsed) return ["no readable ledger"];
  const out: string[] = [];
  if (r.pre.sidecars.some((s) => !s.valid)) out.push("an unreadable recovery sidecar");
  const pending = new Set(r.pre.sidecars.filter((s) => s.valid).map((s) => s.graphId));
  for (const [addr, entry] of Object.entries(ledger.resources)) {
    if (addr.startsWith("policy.") && entry.applies_to === undefined)
      out.push(`${addr} without applies_to`);
    if (addr.startsWith("provider.embedding.") && entry.embedding_profile === undefined) {
      const users = appliedGraphs(r).filter(
        (g) => !pending.has(g) && ledger.resources[`graph.${g}`]?.embedding_provider === addr,
      );
      if (users.length > 0) out.push(`${addr} without a profile, bound by ${users.join(", ")}`);
    }
  }
  return out;
}

/**
 * Property 4. At every serve boot: a cluster-global problem (no readable ledger, an
 * unreadable sidecar, a policy without bindings, a required provider without a profile)
 * fails boot; otherwise a default-mode boot succeeds whenever some applied graph is healthy,
 * never serves a graph a valid recovery sidecar names, and accounts for every applied graph
 * as either ready or quarantined with a reason; a boot that fails names a cluster-global
 * cause; a strict boot that succeeds quarantined nothing (quarantine-locality oracle).
 */
export const quarantineIsLocal: Property<Case> = {
  name: NAME,
  statement: "graph-local problems quarantine only their graph, cluster-global problems fail boot",
  excludes: "nothing",
  arbitrary,
  numRuns: 120,
  async check(c, defects) {
    const run = await runCase(NAME, c, defects);
    const out: PropertyViolation[] = [...judge(run, "quarantine-locality")];
    for (const r of run.records) {
      if (r.outcome.kind !== "boot") continue;
      const v = r.outcome.view;
      const global = globalProblems(r);
      if (global.length > 0) {
        if (v.ok)
          out.push({
            code: "global_problem_served",
            step: r.index,
            detail: `boot to fail (${global.join("; ")}); it served [${v.ready.join(", ")}]`,
          });
        continue;
      }
      if (!v.ok || r.strict) continue;
      const accounted = new Set([...v.ready, ...v.quarantined.map((q) => q.graphId)]);
      const dropped = appliedGraphs(r).filter((g) => !accounted.has(g));
      if (dropped.length > 0)
        out.push({
          code: "graph_unaccounted",
          step: r.index,
          detail: `every applied graph ready or quarantined; neither: ${dropped.join(", ")}`,
        });
    }
    return out;
  },
  explain: (c, v) => explain(NAME, c, v),
};
