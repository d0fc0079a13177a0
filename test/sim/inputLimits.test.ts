import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { MAX_SEED, parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";

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
    expect(cli(["--bogus"])).toBe("unknown option '--bogus' (see pnpm sim --help)");
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
      /^bomb\.yaml: Excessive alias/,
    );
    const twice =
      "kind: scripted\nname: t\ndescription: x\nfixture: { graphs: [a, a] }\nsteps: [{ op: apply }]\n";
    expect(verdict(() => parseScenarioText(twice, "t.yaml"))).toBe(
      "t.yaml: fixture.graphs: each graph id at most once",
    );
    const endless = `kind: generative\nname: g\ndescription: x\nlength: { min: 1, max: 100000 }\nweights: { apply: 1 }\ncrash: { probability: 0, max: 0 }\n`;
    expect(verdict(() => parseScenarioText(endless, "g.yaml"))).toMatch(/at most 1000 steps/);
  });
});

describe("arbitrary input never escapes as anything but bad input", () => {
  const token = fc.oneof(
    fc.constantFrom(
      "run",
      "replay",
      "--seed",
      "--seeds",
      "--from",
      "--workers",
      "--file",
      "--scenario",
      "--defect",
      "--shard",
      "--pin",
      "--json",
      "--",
      "-5",
      "0",
      "1",
      "99999999999999999999",
    ),
    fc.string({ maxLength: 12 }),
  );
  test.prop([fc.array(token, { maxLength: 8 })], { numRuns: 300 })("argv", (argv) => {
    verdict(() => parseCliArgs(argv, 2));
  });
  test.prop([fc.string({ maxLength: 400 })], { numRuns: 300 })("scenario text", (text) => {
    verdict(() => parseScenarioText(text, "x.yaml"));
  });
});
