import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { rolledBackDatasetBlocksRetry as F11 } from "../../sim/findings/rolledBackDatasetBlocksRetry.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { StepRecord } from "../../sim/universe/records.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Default seed 29827: in the liveness phase an add-type apply creates its dataset, then fails
// on a stale view (a table left past its pin by an earlier F8 race) before the manifest moves;
// the next open rolls it back and every retry meets the dataset (no injected fault at all).
const def = findScenario("default", shippedScenarios());
const EXISTS = /Dataset already exists: graphs\/knowledge\.omni\/nodes\//;

describe("F11 when the engine's own error stops Phase B", () => {
  it("is known F11, and red without it", async () => {
    const { result } = await runUniverse({ scenario: def, seed: 29827, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(
      result.known.filter((k) => k.finding === F11.id && EXISTS.test(k.observed)).length,
    ).toBeGreaterThan(0);
    const bare = await runUniverse(
      { scenario: def, seed: 29827, defects: [] },
      { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F11) },
    );
    const v = bare.result.violations.find((x) => EXISTS.test(x.observed));
    if (v === undefined) throw new Error("no Dataset already exists failure without F11");
    const input = bare.universe.judgeInput();
    expect(F11.matches(v, input)).toBe(true);
    // Without the failed schema apply on record, nothing interrupted the create: not F11.
    const records: StepRecord[] = input.records.map((r) =>
      r.outcome.kind === "apply"
        ? {
            ...r,
            outcome: {
              ...r.outcome,
              view: {
                ...r.outcome.view,
                diagnostics: r.outcome.view.diagnostics.filter(
                  (d) => d.code !== "schema_apply_failed",
                ),
              },
            },
          }
        : r,
    );
    expect(F11.matches(v, { ...input, records })).toBe(false);
  });
});
