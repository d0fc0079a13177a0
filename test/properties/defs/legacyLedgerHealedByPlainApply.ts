import { fc } from "@fast-check/vitest";
import type { Fixture, Step } from "../../../sim/scenario/schema.ts";
import { reachableFailpoints } from "../../../sim/universe/reach.ts";
import { failpointAt, graphSet, killAtWrite, worldSeed } from "../lib/arbitraries.ts";
import {
  type Case,
  diagCodes,
  explain,
  judge,
  type PropertyViolation,
  runCase,
} from "../lib/harness.ts";
import type { Property } from "../lib/property.ts";

const NAME = "legacyLedgerHealedByPlainApply";

export interface LegacyCase extends Case {
  /** Index of the plain apply that must heal the ledger. */
  readonly heal: number;
}

/** What may happen to an aged ledger before the healing apply: no schema change at all. */
const before: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ op: "boot" } as Step),
  fc.constant({ op: "plan" } as Step),
  fc.constant({ op: "status" } as Step),
  fc.constant({ op: "refresh" } as Step),
  fc
    .constantFrom("touch" as const, "revert" as const)
    .map((change) => ({ op: "edit-policy", change }) as Step),
  fc
    .constantFrom("model" as const, "revert" as const)
    .map((change) => ({ op: "edit-provider", change }) as Step),
  fc
    .constantFrom("policy-bindings" as const, "embedding-profile" as const)
    .map((what) => ({ op: "legacy-strip", what }) as Step),
  fc
    .oneof(failpointAt(reachableFailpoints("apply")), killAtWrite(20))
    .map((crash) => ({ op: "apply", crash }) as Step),
  fc.constant({ op: "force-unlock" } as Step),
);

const arbitrary: fc.Arbitrary<LegacyCase> = fc
  .record({
    seed: worldSeed(),
    graphs: graphSet(1, 2),
    legacy: fc.subarray(["policy-bindings", "embedding-profile"] as Fixture["legacy"], {
      minLength: 1,
    }),
    provider: fc.boolean(),
    prefix: fc.array(before, { maxLength: 4 }),
  })
  .map(({ seed, graphs, legacy, provider, prefix }) => ({
    seed,
    fixture: {
      graphs,
      legacy,
      policy: true,
      provider: provider || legacy.includes("embedding-profile"),
    },
    steps: [...prefix, { op: "force-unlock" }, { op: "apply" }, { op: "boot" }],
    liveness: false,
    heal: prefix.length + 1,
  }));

/**
 * Property 6. A ledger written by an older Omnigraph (policies without `applies_to`,
 * providers without `embedding_profile`), whatever happened to it since short of a schema
 * change (boots, plans, refreshes, policy and provider edits, applies interrupted anywhere,
 * more aging), is healed by one plain apply once the lock is free: that apply succeeds and
 * converges, leaves every policy with bindings and every provider with a profile
 * (backfill-heals-legacy-ledger), and the server then boots with every graph ready.
 */
export const legacyLedgerHealedByPlainApply: Property<LegacyCase> = {
  name: NAME,
  statement:
    "a legacy ledger (missing an embedding profile or policy bindings) is healed by a plain apply, and the server then serves every graph",
  excludes:
    "schema changes, so known finding F2 (a rejected schema change blocks the bindings backfill) cannot arise; property 3 covers it",
  arbitrary,
  numRuns: 100,
  async check(c, defects) {
    const run = await runCase(NAME, c, defects);
    const out: PropertyViolation[] = [...judge(run, "backfill-heals-legacy-ledger")];
    const heal = run.records[c.heal];
    if (heal?.outcome.kind !== "apply")
      return [...out, { code: "no_apply", step: c.heal, detail: "the healing apply to run" }];
    const view = heal.outcome.view;
    if (!view.ok || !view.converged)
      out.push({
        code: "apply_did_not_converge",
        step: heal.index,
        detail: `a plain apply that succeeds and converges; ok=${view.ok} converged=${view.converged} [${diagCodes(heal).join(", ")}]`,
      });
    for (const [addr, entry] of Object.entries(heal.post.ledger?.resources ?? {})) {
      if (addr.startsWith("policy.") && entry.applies_to === undefined)
        out.push({
          code: "bindings_missing",
          step: heal.index,
          detail: `${addr} with applies_to after the plain apply`,
        });
      if (addr.startsWith("provider.embedding.") && entry.embedding_profile === undefined)
        out.push({
          code: "profile_missing",
          step: heal.index,
          detail: `${addr} with embedding_profile after the plain apply`,
        });
    }
    const boot = run.records[c.heal + 1];
    const want = [...(c.fixture.graphs ?? [])].sort();
    if (boot?.outcome.kind === "boot") {
      const v = boot.outcome.view;
      if (!v.ok || JSON.stringify(v.ready) !== JSON.stringify(want))
        out.push({
          code: "not_served",
          step: boot.index,
          detail: `ready [${want.join(", ")}]; ${v.ok ? `ready [${v.ready.join(", ")}]` : `boot failed: ${v.failureCode}`}`,
        });
    }
    return out;
  },
  explain: (c, v) => explain(NAME, c, v),
};
