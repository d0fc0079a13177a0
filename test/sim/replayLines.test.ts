import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { replayLine, shellWord, shellWords } from "../../sim/orchestrator/replayLine.ts";
import { parseReplayLine } from "../../sim/report/html/traces.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { ROOT, simProcess } from "../lib/cli.ts";

const DIR = mkdtempSync(join(tmpdir(), "sim-replay-lines-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const sim = (args: readonly string[]) => simProcess(DIR, args);
const TRACE = /trace:\s+([0-9a-f]{16})/;

/**
 * Runs a printed `pnpm sim replay ...` line through a shell, as a reviewer pastes it (its
 * quoting included), from the folder the run was made in; returns its exit code and output.
 */
function paste(line: string) {
  expect(line).toMatch(/^pnpm sim replay /);
  const r = spawnSync(
    "sh",
    ["-c", line.replace(/^pnpm sim /, `node ${ROOT}/sim/cli/launch.mjs `)],
    {
      cwd: DIR,
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    },
  );
  expect([0, 1], `${line}: exit ${r.status}: ${r.stderr}`).toContain(r.status);
  const hash = TRACE.exec(r.stdout)?.[1];
  expect(hash, `${line} printed no trace hash:\n${r.stdout}${r.stderr}`).toBeDefined();
  return { status: r.status, out: r.stdout, hash: hash as string };
}

/** The replay field of a JUnit report's first failure, as the XML's text unescapes to. */
function junitReplay(xml: string): string | undefined {
  const line = /replay: (pnpm sim replay [^\n]*)$/m.exec(xml)?.[1];
  return line
    ?.replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/**
 * Runs a failing fleet with JSON and JUnit reports and an automatic shrink, then runs every
 * replay line it printed or wrote: each must reproduce the universe it names.
 */
function checkEveryLine(select: readonly string[], expectLine: RegExp) {
  const run = sim([
    ...select,
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
  const fleetLine = /^ {2}replay: (.*)$/m.exec(run.out)?.[1] as string;
  const fleetHash = TRACE.exec(run.out)?.[1];
  expect(fleetLine).toMatch(expectLine);
  expect(fleetLine).toMatch(/ --pin h\d+-[0-9a-f]{12}$/);
  expect(paste(fleetLine)).toMatchObject({ status: 1, hash: fleetHash });

  const report = JSON.parse(readFileSync(join(DIR, "r.json"), "utf8")) as {
    universes: Array<{ replay: string; traceHash: string }>;
  };
  const jsonLine = report.universes[0]?.replay as string;
  expect(paste(jsonLine).hash).toBe(report.universes[0]?.traceHash);
  const xmlLine = junitReplay(readFileSync(join(DIR, "r.xml"), "utf8")) as string;
  expect(paste(xmlLine).hash).toBe(fleetHash);

  const shrunk = /^shrunk .* \[([\w-]+)\] (\w+): .*\n {2}(pnpm sim replay --file .*)$/m.exec(
    run.out,
  );
  expect(shrunk, run.out).not.toBeNull();
  const [, oracle, code, shrunkLine] = shrunk as unknown as [string, string, string, string];
  expect(shrunkLine).toMatch(/ --seed 1 --pin h\d+-[0-9a-f]{12}$/);
  const file = /--file (\S+)/.exec(shrunkLine)?.[1] as string;
  // The file's header carries the same line, pin included.
  expect(readFileSync(join(DIR, file), "utf8")).toContain(`# replay: ${shrunkLine}`);
  const once = paste(shrunkLine);
  // The shrunk case still fails the way it was shrunk for, and reproduces itself exactly.
  expect(once.status).toBe(1);
  expect(once.out).toContain(`[${oracle}] ${code}`);
  expect(paste(shrunkLine).hash).toBe(once.hash);
  return fleetLine;
}

describe("every replay line the CLI prints works as printed", () => {
  it("for a shipped scenario: the fleet's line, the JSON and JUnit reports' lines and the shrunk file's line", () => {
    checkEveryLine(["--scenario", "trap"], /^pnpm sim replay --scenario trap --seed 1 /);
  });

  it("for a --file run, even one named like a shipped scenario, in a folder with a space", () => {
    // A reviewer's own edit of trap.yaml, kept under trap's name: the pin must be its own.
    mkdirSync(join(DIR, "my cases"));
    const text = readFileSync(join(ROOT, "scenarios/trap.yaml"), "utf8");
    writeFileSync(
      join(DIR, "my cases/trap.yaml"),
      text.replace(/^description: .*$/m, "description: a reviewer's copy"),
    );
    const line = checkEveryLine(
      ["--file", "my cases/trap.yaml"],
      /^pnpm sim replay --file 'my cases\/trap\.yaml' --seed 1 /,
    );
    const shipped = sim(["replay", "--scenario", "trap", "--seed", "1"]);
    const shippedPin = / --pin (\S+)$/m.exec(shipped.out)?.[1];
    expect(shippedPin).toMatch(/^h\d+-/);
    expect(line).not.toContain(shippedPin);
  });
});

describe("a replay line's words", () => {
  it("read back as a shell reads them, whatever the path holds", () => {
    const trap = findScenario("trap", shippedScenarios());
    for (const path of ["case.yaml", "my cases/trap.yaml", "it's here.yaml", "a\\b $c.yaml"]) {
      expect(shellWords(`x ${shellWord(path)} y`)).toEqual(["x", path, "y"]);
      const line = replayLine(trap, 7, ["arm-before-preview"], path);
      expect(parseReplayLine(line)).toMatchObject({ file: path, pin: expect.stringMatching(/^h/) });
    }
    expect(shellWord("failures/a--b.yaml")).toBe("failures/a--b.yaml");
  });
});
