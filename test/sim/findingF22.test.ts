import { describe, expect, it } from "vitest";
import {
  bootRacesSidecarRetirement as F22,
  listedThenRetired,
} from "../../sim/findings/bootRacesSidecarRetirement.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

const scenario = findScenario(
  "boot-races-sidecar-retirement",
  shippedScenarios(),
) as ScriptedScenario;

describe("F22: a boot racing a sidecar's retirement fails the whole cluster", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.verdict).toBe("pass");
    expect(result.violations).toEqual([]);
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code} @${k.step}`)).toEqual([
      "F22-boot-races-sidecar-retirement outcomes-are-explained/unexplained_failure @2",
    ]);
  });

  it("is what keeps that universe green: without the signature the boot failure is unexplained", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F22);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code} @${v.step}`)).toEqual([
      "outcomes-are-explained/unexplained_failure @2",
    ]);
    expect(result.violations[0]?.observed).toMatch(
      /boot failed with invalid_recovery_sidecar: could not read \(object '__cluster\/recoveries\/[0-9A-Z]+\.json' does not exist\)/,
    );
  });

  it("needs the leftover sidecar: with its delete intact the concurrent step is clean", async () => {
    const steps = scenario.steps.map((s) =>
      s.op === "apply" && s.crash !== undefined ? { op: "apply" as const } : s,
    );
    const { result } = await runUniverse(
      { scenario: { ...scenario, steps }, seed: 1, defects: [] },
      jobContext(),
    );
    expect(result.violations).toEqual([]);
    expect(result.known).toEqual([]);
  });

  it("matches only a listed sidecar that another process deleted before the boot read it", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F22);
    const run = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    const u = run.universe;
    const input = u.judgeInput();
    const v = run.result.violations[0];
    if (v === undefined) throw new Error("expected the unexplained boot failure");
    expect(F22.matches(v, input)).toBe(true);
    const key = /object '([^']+)'/.exec(v.observed)?.[1] ?? "";
    expect(listedThenRetired(input, 2, key)).toBe(true);
    // Another sidecar, another step, or the step where the sidecar was left behind: no race.
    expect(listedThenRetired(input, 2, "__cluster/recoveries/01OTHER.json")).toBe(false);
    expect(listedThenRetired(input, 1, key)).toBe(false);
    // A sidecar that could not be read for another reason is not this finding.
    const io = v.observed.replace(/object '[^']+' does not exist/, "injected io error");
    expect(F22.matches({ ...v, observed: io }, input)).toBe(false);
    expect(F22.matches({ ...v, oracle: "serve-liveness" }, input)).toBe(false);
  });
});
