import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { legacyBindingsDemoted as F2 } from "../../sim/findings/legacyBindingsDemoted.ts";
import { partialStagingPromotion as F1 } from "../../sim/findings/partialStagingPromotion.ts";
import { promotionCopyCleanedAsNoop as F25 } from "../../sim/findings/promotionCopyCleanedAsNoop.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Default seed 17013 (s3, a legacy ledger without policy bindings): a write error on the S3
// promotion's delete of _schema.pg.staging strands the copy (F25), the sweep then keeps
// knowledge pending, and the policy-binding backfill bound to it is blocked as
// cluster_recovery_pending (F2), so the server never boots.
const def = findScenario("default", shippedScenarios());
const run = (findings: typeof KNOWN_FINDINGS) =>
  runUniverse({ scenario: def, seed: 17013, defects: [] }, { ...jobContext(), findings });

describe("a legacy backfill blocked by a pending graph, after a stranded S3 promotion copy", () => {
  it("is F2 (the refused boot) and F25 (the bricked graph), not F1", async () => {
    const { result } = await run(KNOWN_FINDINGS);
    expect(result.violations).toEqual([]);
    const by = (id: string) =>
      result.known.filter((k) => k.finding === id).map((k) => `${k.oracle}/${k.code}`);
    expect(by(F2.id)).toEqual(["serve-liveness/boot_never_succeeds"]);
    expect(by(F25.id)).toEqual(["crash-contract/graph_unopenable"]);
    expect(by(F1.id)).toEqual([]);
  });

  it("stays red without F2: the backfill blocked as cluster_recovery_pending is what refuses boot", async () => {
    const { result } = await run(KNOWN_FINDINGS.filter((f) => f !== F2));
    expect(result.violations.map((v) => `${v.oracle}/${v.code}`)).toContain(
      "serve-liveness/boot_never_succeeds",
    );
  });

  it("F1 no longer claims a fault on a promotion's delete of a staging key", async () => {
    const { result, universe } = await run(KNOWN_FINDINGS.filter((f) => f !== F25));
    const v = result.violations.find((x) => x.code === "graph_unopenable");
    if (v === undefined) throw new Error("no graph_unopenable without F25");
    expect(F1.matches(v, universe.judgeInput())).toBe(false);
  });
});
