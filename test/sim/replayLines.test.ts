import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, simProcess } from "../lib/cli.ts";

const DIR = mkdtempSync(join(tmpdir(), "sim-replay-lines-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const sim = (args: readonly string[]) => simProcess(DIR, args);

/** Runs a printed `pnpm sim replay ...` line and returns its trace hash. */
function replay(line: string): string {
  const args = line.replace(/^pnpm sim /, "").split(" ");
  const r = sim(args);
  expect([0, 1], `${line}: exit ${r.status}: ${r.err}`).toContain(r.status);
  const hash = /trace:\s+([0-9a-f]{16})/.exec(r.out)?.[1];
  expect(hash, `${line} printed no trace hash:\n${r.out}${r.err}`).toBeDefined();
  return hash as string;
}

describe("every replay line the CLI prints works as printed", () => {
  it("for a --file run: the fleet's line, the JSON and JUnit reports' lines and the shrunk file's line", () => {
    // A scenario file whose name is not a shipped scenario's, as a reviewer's own case is.
    copyFileSync(join(ROOT, "scenarios/trap.yaml"), join(DIR, "case.yaml"));
    const run = sim([
      "--file",
      "case.yaml",
      "--seeds",
      "1",
      "--defect",
      "arm-before-preview",
      "--json",
      "r.json",
      "--junit",
      "r.xml",
    ]);
    expect(run.status, run.err).toBe(1);
    const fleetLine = /replay: (pnpm sim replay --file case\.yaml .*)$/m.exec(run.out)?.[1];
    const fleetHash = /trace:\s+([0-9a-f]{16})/.exec(run.out)?.[1];
    expect(fleetLine).toMatch(/--pin h\d+-[0-9a-f]+$/);
    expect(replay(fleetLine as string)).toBe(fleetHash);

    const report = JSON.parse(readFileSync(join(DIR, "r.json"), "utf8")) as {
      universes: Array<{ replay: string }>;
    };
    expect(report.universes[0]?.replay).toBe(fleetLine);
    expect(readFileSync(join(DIR, "r.xml"), "utf8")).toContain(fleetLine);

    const shrunkLine = /^ {2}(pnpm sim replay --file failures\/\S+ --seed \d+ --pin \S+)$/m.exec(
      run.out,
    )?.[1];
    expect(shrunkLine, run.out).toBeDefined();
    const file = /--file (\S+)/.exec(shrunkLine as string)?.[1] as string;
    // The file's header carries the same line, pin included.
    expect(readFileSync(join(DIR, file), "utf8")).toContain(`# replay: ${shrunkLine}`);
    const once = replay(shrunkLine as string);
    expect(replay(shrunkLine as string)).toBe(once);
  });
});
