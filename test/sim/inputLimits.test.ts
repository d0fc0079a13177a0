import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SEED, parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import {
  loadScenarioFile,
  MAX_SCENARIO_BYTES,
  parseScenarioText,
} from "../../sim/scenario/load.ts";

/** The one line a refusal prints (what InputError carries), or "accepted". */
function verdict(f: () => unknown): string {
  try {
    f();
    return "accepted";
  } catch (e) {
    // Anything but an InputError would reach the user as a stack trace and the wrong exit code.
    expect(e).toBeInstanceOf(InputError);
    const m = (e as Error).message;
    expect(m).not.toContain("\n");
    return m;
  }
}

const cli = (argv: string[]) => verdict(() => parseCliArgs(argv, 2));

describe("limits are input validation: one line each, exit code 2", () => {
  it("seeds start at 1 and stay within the seed range", () => {
    expect(cli(["--seed", "0"])).toBe("--seed must be at least 1");
    expect(cli(["--from", "0", "--seeds", "3"])).toBe("--from must be at least 1");
    expect(cli(["--seeds", "9999999999"])).toMatch(/^--seeds must be at most 1000000/);
    expect(cli(["--seed", String(MAX_SEED + 1)])).toBe(`--seed must be at most ${MAX_SEED}`);
    expect(cli(["--from", String(MAX_SEED), "--seeds", "2"])).toMatch(/past the last seed/);
    expect(cli(["--from", String(MAX_SEED), "--seeds", "1"])).toBe("accepted");
  });

  it("names a negative number, and an unknown option without advising --", () => {
    expect(cli(["--seeds", "-5"])).toBe("--seeds takes no negative number (got '-5')");
    expect(cli(["--seeds=-5"])).toBe("--seeds takes no negative number (got '-5')");
    expect(cli(["--bogus"])).toBe("unknown option '--bogus' (see pnpm sim --help)");
  });

  it("says what a missing or swallowed value needs, not node's 'ambiguous'", () => {
    expect(cli(["--seed"])).toBe("--seed needs a value");
    expect(cli(["--seed", "--json", "r.json"])).toMatch(/^--seed needs a value, not the option/);
    expect(cli(["--help=yes"])).toBe("--help takes no value");
    expect(cli(["--seed", "1", "--from", "3"])).toBe("--seed and --from exclude each other");
    expect(cli(["enumerate", "--double", "101"])).toBe("--double must be at most 100");
  });

  it("refuses more workers than cores, and says why", () => {
    expect(cli(["--workers", "2"])).toBe("accepted");
    expect(cli(["--workers", "999"])).toMatch(
      /more than this machine's 2 cores: universes are CPU-bound/,
    );
  });

  it("refuses a YAML alias bomb, a graph listed twice and an endless life", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      `d: [${Array.from({ length: 200 }, () => "*c").join(", ")}]`,
    ].join("\n");
    expect(verdict(() => parseScenarioText(bomb, "bomb.yaml"))).toMatch(
      /^bomb\.yaml: YAML aliases expand past 100 nodes/,
    );
    const twice =
      "kind: scripted\nname: t\ndescription: x\nfixture: { graphs: [a, a] }\nsteps: [{ op: apply }]\n";
    expect(verdict(() => parseScenarioText(twice, "t.yaml"))).toBe(
      "t.yaml: fixture.graphs: each graph id at most once",
    );
    const endless = `kind: generative\nname: g\ndescription: x\nlength: { min: 1, max: 100000 }\nweights: { apply: 1 }\ncrash: { probability: 0, max: 0 }\n`;
    expect(verdict(() => parseScenarioText(endless, "g.yaml"))).toMatch(/at most 1000 steps/);
  });

  it("names a YAML error's line, column and yaml's code", () => {
    expect(verdict(() => parseScenarioText("kind: scripted\nkind: x\n", "k.yaml"))).toBe(
      "k.yaml:2:1: Map keys must be unique (YAML DUPLICATE_KEY)",
    );
    expect(verdict(() => parseScenarioText("a: 1\n---\nb: 2\n", "k.yaml"))).toBe(
      "k.yaml:2:1: a scenario file holds one YAML document (found a second '---') (YAML MULTIPLE_DOCS)",
    );
  });

  it("reads only a plain file of at most 1 MiB", () => {
    expect(verdict(() => loadScenarioFile("/dev/zero"))).toBe("/dev/zero: not a file");
    const dir = mkdtempSync(join(tmpdir(), "sim-limits-"));
    try {
      const big = join(dir, "big.yaml");
      writeFileSync(big, `# ${"x".repeat(MAX_SCENARIO_BYTES)}\n`);
      expect(verdict(() => loadScenarioFile(big))).toMatch(
        /big\.yaml: \d+ bytes; a scenario file is at most 1048576 bytes$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
