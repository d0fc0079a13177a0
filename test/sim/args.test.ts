import { describe, expect, it } from "vitest";
import { COMMANDS, commandHelp, HELP, parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import { allocateSeeds, parseShard, planJobs } from "../../sim/orchestrator/jobs.ts";
import { parseScenarioText, scenarioDigest } from "../../sim/scenario/load.ts";
import { shippedScenarios } from "../../sim/scenario/registry.ts";

const bad = (argv: string[]) => {
  try {
    parseCliArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
};

describe("CLI arguments", () => {
  it("defaults to run, and drops a leading -- that pnpm passes on", () => {
    expect(parseCliArgs([]).command).toBe("run");
    const a = parseCliArgs(["--", "--seed", "42", "--scenario", "trap"]);
    expect(a.seed).toBe(42);
    expect(a.scenarios).toEqual(["trap"]);
  });

  it("parses the replay line it prints", () => {
    const a = parseCliArgs(
      "replay --scenario trap --seed 17 --defect arm-before-preview --pin h1-abc".split(" "),
    );
    expect(a).toMatchObject({
      command: "replay",
      scenarios: ["trap"],
      seed: 17,
      defects: ["arm-before-preview"],
      pin: "h1-abc",
    });
  });

  it.each([
    [["--seed", "x"], "--seed expects a whole number"],
    [["--seed", "-3"], "--seed"],
    [["--seeds", "0"], "--seeds must be at least 1"],
    [["--defect", "made-up"], "unknown defect"],
    [["--bogus"], "unknown option '--bogus'"],
    [["explode"], "unknown command 'explode'"],
    [["--seed", "1", "--seeds", "4"], "exclude each other"],
    [["--time-limit", "soon"], "--time-limit expects seconds"],
    [["run", "extra"], "unexpected argument 'extra'"],
  ])("rejects %j with a one-line explanation", (argv, fragment) => {
    const msg = bad(argv as string[]);
    expect(msg).toContain(fragment);
    expect(msg).not.toContain("\n");
  });
});

describe("seed allocation", () => {
  it("shards partition the range", () => {
    const all = allocateSeeds(10, 20);
    const shards = [1, 2, 3].map((k) => allocateSeeds(10, 20, { index: k, count: 3 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(all);
    expect(new Set(shards.flat()).size).toBe(all.length);
  });

  it("rejects malformed shards", () => {
    for (const s of ["0/3", "4/3", "a/b", "3"]) expect(() => parseShard(s)).toThrow(InputError);
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
  });

  it("plans jobs in scenario-name then seed order", () => {
    const [a, b] = shippedScenarios().slice(0, 2);
    if (!a || !b) throw new Error("need two scenarios");
    const jobs = planJobs([b, a], [2, 1], []);
    expect(jobs.map((j) => `${j.scenario.name}:${j.seed}`)).toEqual([
      `${a.name}:2`,
      `${a.name}:1`,
      `${b.name}:2`,
      `${b.name}:1`,
    ]);
  });
});

describe("scenario files", () => {
  it("every shipped scenario parses and has a stable digest", () => {
    const all = shippedScenarios();
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const s of all) expect(scenarioDigest(s)).toBe(scenarioDigest(structuredClone(s)));
  });

  it("names the path of a bad field", () => {
    const text =
      "kind: scripted\nname: x\ndescription: d\nsteps:\n  - op: apply\n  - op: edit-schema\n    graph: knowledge\n    change: rename-everything\n";
    expect(() => parseScenarioText(text, "case.yaml")).toThrow(/case\.yaml: steps\.1\.change: /);
  });

  it("rejects unknown fields, unknown ops, unknown failpoints and duplicate keys", () => {
    const base = "kind: scripted\nname: x\ndescription: d\n";
    expect(() => parseScenarioText(`${base}steps:\n  - op: apply\n    colour: red\n`, "f")).toThrow(
      /steps\.0: /,
    );
    expect(() => parseScenarioText(`${base}steps:\n  - op: teleport\n`, "f")).toThrow(
      /steps\.0\.op: /,
    );
    expect(() =>
      parseScenarioText(
        `${base}steps:\n  - op: apply\n    crash: { kind: failpoint, name: cluster_apply.nowhere, mode: crash }\n`,
        "f",
      ),
    ).toThrow(/unknown failpoint/);
    expect(() => parseScenarioText(`${base}name: y\nsteps:\n  - op: apply\n`, "f")).toThrow(
      /^f:4:1: Map keys must be unique \(YAML DUPLICATE_KEY\)$/,
    );
  });

  it("rejects text that is not YAML", () => {
    expect(() => parseScenarioText("kind: [unclosed", "f.yaml")).toThrow(InputError);
  });
});

describe("help per command", () => {
  it("`pnpm sim <command> --help` prints that command's usage only", () => {
    for (const c of COMMANDS) {
      const args = parseCliArgs([c, "--help"]);
      expect(args.command).toBe("help");
      const text = args.helpFor === undefined ? HELP : commandHelp(args.helpFor);
      const usage = c === "run" ? "pnpm sim [run]" : `pnpm sim ${c}`;
      if (c !== "help") {
        expect(text, c).toContain(usage);
        for (const other of COMMANDS)
          if (other !== c && other !== "help" && other !== "run")
            expect(text, `${c} help mentions ${other}`).not.toContain(`pnpm sim ${other} `);
      }
    }
    expect(bad(["nosuch", "--help"])).toMatch(/^unknown command 'nosuch'/);
  });

  it("each command's help carries its own options: replay's are not run's", () => {
    const replay = commandHelp("replay");
    const run = commandHelp("run");
    for (const o of ["--pin P", "--trace", "--kill-at", "--life-failpoint"]) {
      expect(replay).toContain(`  ${o}`);
      expect(run).not.toContain(`  ${o}`);
    }
    expect(run).toContain("  --workers N");
    expect(replay).not.toContain("  --workers N");
  });
});
