import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Report } from "../../sim/report/schema.ts";
import { modelSystem } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import type { System } from "../../sim/universe/system.ts";
import {
  contextWith,
  REJECTING_SEEDS,
  SCENARIO,
  unawaitedWrite,
  writeAfterTheStep,
} from "./floating/systems.ts";

const ROOT = join(import.meta.dirname, "../..");
const DIR = mkdtempSync(join(tmpdir(), "sim-floating-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function universe(system: System) {
  return runUniverse(
    { scenario: SCENARIO, seed: 1, defects: [] },
    {
      ...contextWith(system),
      keepTrace: true,
    },
  );
}

describe("a store call its step let go of", () => {
  it("a durable write apply never awaited fails the universe, naming the call and the step", async () => {
    const { result } = await universe(unawaitedWrite());
    expect(result.verdict).toBe("fail");
    expect(result.violations).toEqual([
      {
        oracle: "harness",
        code: "store_call_not_awaited",
        step: 1,
        expected: "every store call of a step awaited and settled before the step ends",
        observed: expect.stringMatching(
          /^p\d+ \(apply#1\) put __planted\/late\.json \[cluster\.state\.write\]: never awaited/,
        ),
      },
    ]);
  });

  it("a write that begins after its step's result fails the universe", async () => {
    const { result, trace = [] } = await universe(writeAfterTheStep());
    // The situation itself: the write is in the trace after the step's `result` line.
    const ended = trace.findIndex((l) => l.startsWith("result  apply#1"));
    const write = trace.findIndex((l) => l.includes("put __planted/after.json"));
    expect(ended).toBeGreaterThan(0);
    expect(write).toBeGreaterThan(ended);
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => [v.oracle, v.code, v.step])).toEqual([
      ["harness", "store_call_after_step_end", 1],
    ]);
    expect(result.violations[0]?.observed).toContain("begun after its step ended");
  });

  it("the model as it is lets nothing go", async () => {
    const { result } = await universe(modelSystem());
    expect(result.verdict).toBe("pass");
  });
});

/**
 * A fleet, in a process of its own, whose apply leaves a rejected promise unhandled in two
 * universes (test/sim/floating/fleet.ts): the process would die of it without the fleet's
 * watch, so it runs apart from vitest's own handler.
 */
function fleet(workers: number): { stdout: string; report: Report } {
  const out = join(DIR, `w${workers}.json`);
  const r = spawnSync(
    "node",
    ["--import", "tsx", "test/sim/floating/fleet.ts", String(workers), out],
    { cwd: ROOT, encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain("fleet finished");
  return { stdout: r.stdout, report: JSON.parse(readFileSync(out, "utf8")) as Report };
}

describe.each([1, 2])("an unhandled rejection in a universe (--workers %i)", (workers) => {
  it("crashes exactly that universe, with its replay line; the fleet goes on", () => {
    const { stdout, report } = fleet(workers);
    const verdicts = report.universes.map((u) => [u.seed, u.verdict]);
    expect(verdicts).toEqual(
      [1, 2, 3, 4, 5, 6].map((s) => [s, REJECTING_SEEDS.includes(s) ? "crash" : "pass"]),
    );
    for (const seed of REJECTING_SEEDS) {
      const u = report.universes.find((x) => x.seed === seed);
      expect(u?.error).toBe(
        "unhandled rejection (a floating promise: a missing await in the model?): StoreError: object '__planted/missing' does not exist",
      );
      expect(stdout).toContain(`CRASH floating-probe seed ${seed}\n`);
      expect(stdout).toContain(
        `  replay: pnpm sim replay --scenario floating-probe --seed ${seed} `,
      );
    }
    expect(stdout).toContain(
      "6 universes over 1 scenario(s), seeds 1..6: 4 passed, 0 failed, 2 crashed",
    );
  });
});
