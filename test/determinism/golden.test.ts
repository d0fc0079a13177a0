import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { computeGolden, diffGolden, GOLDEN_PATH, type Golden } from "../../sim/cli/golden.ts";
import {
  GOLDEN_TRACES_PATH,
  hashTraceLines,
  readGoldenTraces,
} from "../../sim/cli/goldenTraces.ts";

describe("golden trace hashes", () => {
  it("pinned seeds of every shipped scenario still mean what they meant", async () => {
    const committed = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as Golden;
    const now = await computeGolden();
    const diff = diffGolden(committed, now.golden, {
      committed: readGoldenTraces(),
      now: now.traces,
    });
    if (diff.length > 0)
      expect.fail(
        [
          "a change altered what pinned seeds replay (test/determinism/golden.json):",
          ...diff,
          "if that is intended, acknowledge it: run `pnpm sim golden --write` and commit golden.json and golden-traces.json.br",
        ].join("\n"),
      );
    // The lines kept are the lines hashed, or a changed seed would show the wrong line.
    for (const [name, bySeed] of Object.entries(now.golden.hashes))
      for (const [seed, hash] of Object.entries(bySeed))
        expect(hashTraceLines(now.traces[name]?.[seed] ?? []), `${name} seed ${seed}`).toBe(hash);
  });

  it("the committed traces are the ones the committed hashes were taken of", () => {
    const committed = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as Golden;
    const traces = readGoldenTraces();
    expect(traces, `${GOLDEN_TRACES_PATH} is missing or unreadable`).not.toBeNull();
    const stale: string[] = [];
    for (const [name, bySeed] of Object.entries(committed.hashes))
      for (const [seed, hash] of Object.entries(bySeed)) {
        const lines = traces?.[name]?.[seed];
        if (lines === undefined || hashTraceLines(lines) !== hash) stale.push(`${name} ${seed}`);
      }
    expect(
      stale,
      "golden-traces.json.br does not hold these golden universes' traces: run `pnpm sim golden --write` (it writes both files)",
    ).toEqual([]);
  });
});
