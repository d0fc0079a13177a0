import { describe, expect, it } from "vitest";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { DEFECT_NAMES } from "../../src/world/defects.ts";

const ctx = jobContext();
const byName = new Map(ctx.oracles.map((o) => [o.name, o]));

describe("oracle codes", () => {
  it("each oracle declares its codes: snake_case, none twice, no two oracles alike", () => {
    const seen = new Map<string, string>();
    for (const o of ctx.oracles) {
      expect(o.codes.length, o.name).toBeGreaterThan(0);
      expect(new Set(o.codes).size, o.name).toBe(o.codes.length);
      for (const c of o.codes) {
        expect(c, o.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
        expect(seen.get(c) ?? o.name, `${c} is ${seen.get(c)}'s`).toBe(o.name);
        seen.set(c, o.name);
      }
    }
  });

  it("every violation a universe reports carries a code its oracle declares", async () => {
    const scenario = findScenario("default", shippedScenarios());
    let judged = 0;
    for (const d of DEFECT_NAMES)
      for (let seed = 1; seed <= 6; seed++) {
        const r = (await runUniverse({ scenario, seed, defects: [d] }, ctx)).result;
        for (const v of [...r.violations, ...r.known]) {
          const o = byName.get(v.oracle);
          if (o === undefined) continue; // the harness's own (budget, determinism, floating)
          expect(o.codes, `${v.oracle} reported ${v.code}`).toContain(v.code);
          judged++;
        }
      }
    expect(judged).toBeGreaterThan(20);
  }, 60_000);
});
