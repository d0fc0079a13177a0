import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { computeGolden, diffGolden, GOLDEN_PATH, type Golden } from "../../sim/cli/golden.ts";

describe("golden trace hashes", () => {
  it("pinned seeds of every shipped scenario still mean what they meant", async () => {
    const committed = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as Golden;
    const diff = diffGolden(committed, await computeGolden());
    expect(
      diff,
      [
        "a change altered what pinned seeds replay (test/determinism/golden.json):",
        ...diff,
        "if that is intended, acknowledge it: run `pnpm sim golden --write` and commit golden.json",
      ].join("\n"),
    ).toEqual([]);
  });
});
