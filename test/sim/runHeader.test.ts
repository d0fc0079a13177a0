import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

describe("a run says what it will run, and what --check-determinism checked", () => {
  it("prints scenarios x seeds = universes and the workers first, and the check's outcome last", () => {
    const r = spawnSync(
      "node",
      [
        join(ROOT, "sim/cli/launch.mjs"),
        "--scenario",
        "trap",
        "--scenario",
        "mid-movement",
        "--seeds",
        "2",
        "--check-determinism",
        "--shrink",
        "0",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      "running 2 scenarios x 2 seeds = 4 universes on 1 worker, each twice (--check-determinism)",
    );
    expect(r.stdout.trim().split("\n").at(-1)).toBe(
      "determinism checked: 4 universes ran twice, every trace hash equal",
    );
  });
});
