import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shippedScenarios } from "../../sim/scenario/registry.ts";
import { spreadJobs, traceHashes } from "./hashes.ts";

const ROOT = join(import.meta.dirname, "../..");
/** 16 seeds for each shipped scenario: a few hundred universes. */
const JOBS = spreadJobs(16);

describe("the same (scenario, seed) gives the same trace hash", () => {
  it("covers every shipped scenario with a few hundred seeds", () => {
    expect(new Set(JOBS.map((j) => j.scenario))).toEqual(
      new Set(shippedScenarios().map((s) => s.name)),
    );
    expect(JOBS.length).toBeGreaterThanOrEqual(200);
  });

  it("twice in one process, and in a separate process", async () => {
    const first = await traceHashes(JOBS);
    const second = await traceHashes(JOBS);
    expect(second).toEqual(first);
    expect(new Set(first.map((l) => l.split(" ")[2])).size).toBeGreaterThan(JOBS.length / 2);

    const child = spawnSync("node", ["--import", "tsx", "test/determinism/hashes.ts"], {
      cwd: ROOT,
      input: JSON.stringify(JOBS),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trimEnd().split("\n")).toEqual(first);
  });
});
