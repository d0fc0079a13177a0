import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COVERAGE_FILE, runCoverageFleet } from "../../sim/coverage/fleet.ts";
import { renderLedger } from "../../sim/coverage/ledger.ts";
import { UNREACHED_REASONS } from "../../sim/coverage/unreached.ts";
import { ALL_FAILPOINTS } from "../../src/catalog/failpoints.ts";

describe("the failpoint coverage ledger", async () => {
  const ledger = await runCoverageFleet();

  it("has one row per catalogued failpoint", () => {
    expect(ledger.rows.map((r) => r.failpoint)).toEqual([...ALL_FAILPOINTS]);
  });

  it("reaches every failpoint, or records why not", () => {
    const dark = ledger.rows
      .filter((r) => r.reached === 0 && r.reason === null)
      .map((r) => r.failpoint);
    expect(
      dark,
      "unreached failpoints without a reason: add a scenario that reaches them, or a reason in sim/coverage/unreached.ts",
    ).toEqual([]);
  });

  it("keeps no stale reasons for failpoints the fleet now reaches", () => {
    const stale = Object.keys(UNREACHED_REASONS).filter(
      (f) => (ledger.rows.find((r) => r.failpoint === f)?.reached ?? 0) > 0,
    );
    expect(stale).toEqual([]);
  });

  it("fires nearly every reached failpoint, by enumeration", () => {
    const reached = ledger.rows.filter((r) => r.reached > 0);
    const fired = reached.filter((r) => r.firedCrash + r.firedError > 0);
    expect(fired.length / reached.length).toBeGreaterThan(0.95);
  });

  it("is committed as generated (run `pnpm sim coverage` after changing what the fleet reaches)", () => {
    expect(readFileSync(COVERAGE_FILE, "utf8")).toBe(renderLedger(ledger));
  });
});
