import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../sim/paths.ts";

/**
 * docs/FIDELITY.md is the audit page of the model: every deliberate simplification with what
 * upstream does (file and function at 7fd23c54), the model file that does otherwise, and what
 * it could hide. The upstream mirror is not available in CI, so the upstream side is checked
 * for form; the model side must exist in this repository.
 */
const text = readFileSync(join(REPO_ROOT, "docs", "FIDELITY.md"), "utf8");
const rows = text
  .split("\n")
  .filter((l) => /^\|\s+\d+ \|/.test(l))
  .map((l) =>
    l
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim()),
  );

describe("docs/FIDELITY.md", () => {
  it("lists the simplifications, numbered from 1 without gaps", () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i + 1));
  });

  for (const r of rows) {
    it(`row ${r[0]} (${r[1]}) names upstream's file and function, a model file, and what it could hide`, () => {
      expect(r).toHaveLength(5);
      const upstream =
        /^`(crates\/[a-z0-9_-]+\/src\/[a-z0-9_/]+\.rs)` `([A-Za-z_][A-Za-z0-9_]*)`[^:`]*: \S/.exec(
          r[2] ?? "",
        );
      expect(upstream, `upstream cell of row ${r[0]}`).not.toBeNull();
      const files = /^((?:`(?:src|sim)\/[A-Za-z0-9_/.-]+\.ts`(?:, )?)+): \S/.exec(r[3] ?? "");
      expect(files, `model cell of row ${r[0]}`).not.toBeNull();
      for (const f of (files?.[1] ?? "").split(", ").map((x) => x.slice(1, -1)))
        expect(existsSync(join(REPO_ROOT, f)), `${f} exists`).toBe(true);
      expect(r[4], `row ${r[0]} says what it could hide`).toMatch(/[Cc]ould hide|Hides/);
    });
  }
});
