import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simProcess } from "../lib/cli.ts";

const DIR = mkdtempSync(join(tmpdir(), "sim-output-paths-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const sim = (args: readonly string[]) => simProcess(DIR, args);

describe("output paths", () => {
  it("are checked before the fleet runs: a missing folder or a folder as the file is bad input", () => {
    mkdirSync(join(DIR, "a-folder"), { recursive: true });
    for (const [option, path, why] of [
      ["--json", "missing/r.json", "its folder does not exist"],
      ["--junit", "a-folder", "it is a folder"],
      ["--html", "missing/r.html", "its folder does not exist"],
    ] as const) {
      const r = sim(["--scenario", "trap", "--seeds", "1", option, path]);
      expect(r.status).toBe(2);
      expect(r.err.trim()).toBe(`omnigraph-sim: ${option} ${path}: ${why}`);
      expect(r.out).not.toContain("universes over");
    }
  });

  it("when a write fails anyway, the error is printed and violations still exit 1", () => {
    // A link to a folder that does not exist passes the check and fails the write.
    symlinkSync(join(DIR, "gone", "r.json"), join(DIR, "dangling.json"));
    const failing = sim([
      "--scenario",
      "trap",
      "--seeds",
      "1",
      "--defect",
      "arm-before-preview",
      "--shrink",
      "0",
      "--json",
      "dangling.json",
    ]);
    expect(failing.err).toContain("cannot write dangling.json");
    expect(failing.out).toContain("FAIL trap seed 1");
    expect(failing.status).toBe(1);
    const passing = sim(["--scenario", "trap", "--seeds", "1", "--json", "dangling.json"]);
    expect(passing.err).toContain("cannot write dangling.json");
    expect(passing.status).toBe(2);
  });
});
