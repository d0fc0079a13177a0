import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, HELP } from "../../sim/cli/args.ts";
import { EXPLORE_HELP } from "../../sim/explore/cli.ts";
import { REPO_ROOT } from "../../sim/paths.ts";

/**
 * CONTRIBUTING.md walks a newcomer through the files to touch; it must not rot. Every
 * repository path it names in backticks or in a code block exists (a placeholder such as
 * `sim/ops/<op>.ts` names its folder), every `pnpm sim` command is one the CLI has, with
 * options its help lists, every other `pnpm` command is a script or an installed binary, and
 * every constant or function it names in backticks is declared somewhere in the code.
 */
interface Mentions {
  /** Text of every inline code span, whitespace collapsed. */
  readonly spans: readonly string[];
  /** Every line inside a fenced code block. */
  readonly codeLines: readonly string[];
}

function mentionsOf(markdown: string): Mentions {
  const prose: string[] = [];
  const codeLines: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.trimStart().startsWith("```")) fenced = !fenced;
    else (fenced ? codeLines : prose).push(line);
  }
  const spans = [...prose.join("\n").matchAll(/`([^`]+)`/g)].map((m) =>
    (m[1] as string).replace(/\s+/g, " ").trim(),
  );
  return { spans, codeLines };
}

const TOP = /^(?:src|sim|test|scenarios|docs|lint|bench|\.github|\.ci)\//;
const ROOT_FILES = /^(?:[A-Z]+\.md|biome\.json|package\.json|tsconfig\.json|vitest\.config\.ts)$/;

/** Repository paths among the words of a span or code line (placeholders and globs kept). */
function pathsIn(text: string): string[] {
  return text
    .split(/[\s(),`'"]+/)
    .map((w) => w.replace(/[.:;]+$/, ""))
    .filter((w) => TOP.test(w) || ROOT_FILES.test(w));
}

/** The path a test can check: a placeholder or glob stands for the folder it is in. */
function checkablePath(path: string): string {
  const wild = path.search(/[<*]/);
  return wild < 0 ? path : path.slice(0, path.lastIndexOf("/", wild) + 1);
}

/** One `pnpm ...` invocation: the word after pnpm (flags skipped) and the words after it. */
interface PnpmCall {
  readonly text: string;
  readonly word: string;
  readonly rest: readonly string[];
}

function pnpmCalls(text: string): PnpmCall[] {
  const out: PnpmCall[] = [];
  for (const m of text.matchAll(/(?:^|[\s`(])pnpm((?:\s+[^\s&|;#]+)*)/g)) {
    const words = (m[1] as string).trim().split(/\s+/).filter(Boolean);
    while (words[0]?.startsWith("-")) words.shift();
    const [word, ...rest] = words;
    if (word !== undefined) out.push({ text: `pnpm${m[1]}`.trim(), word, rest });
  }
  return out;
}

/** Why a `pnpm sim` invocation is not one the CLI has, or null. */
function simProblem(rest: readonly string[]): string | null {
  const command = rest[0] === undefined || rest[0].startsWith("-") ? "run" : rest[0];
  if (command === "<command>") return null;
  if (command !== "explore" && !(COMMANDS as readonly string[]).includes(command))
    return `no command '${command}' (commands: ${COMMANDS.join(", ")}, explore)`;
  const help = command === "explore" ? EXPLORE_HELP : HELP;
  for (const flag of rest.filter((w) => /^--[a-z]/.test(w)))
    if (!new RegExp(`${flag}(?![\\w-])`).test(help))
      return `'${command}' has no option ${flag} in its help`;
  return null;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const DOC = join(REPO_ROOT, "CONTRIBUTING.md");
const text = readFileSync(DOC, "utf8");
const { spans, codeLines } = mentionsOf(text);
const everything = [...spans, ...codeLines];

describe("CONTRIBUTING.md", () => {
  it("has the five walkthroughs, and README.md links to it", () => {
    for (const what of [
      "an operation",
      "an oracle",
      "a fault kind",
      "a known upstream finding",
      "a scenario",
    ])
      expect(text, what).toMatch(new RegExp(`^## Walkthrough \\d: add ${what}$`, "m"));
    expect(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).toContain("(CONTRIBUTING.md)");
  });

  it("names only repository paths that exist", () => {
    const paths = [...new Set(everything.flatMap(pathsIn))];
    expect(paths.length).toBeGreaterThan(40);
    const missing = paths.filter((p) => !existsSync(join(REPO_ROOT, checkablePath(p))));
    expect(missing, "paths named in CONTRIBUTING.md that do not exist").toEqual([]);
  });

  it("names only `pnpm sim` commands and options the CLI has", () => {
    const calls = everything.flatMap(pnpmCalls).filter((c) => c.word === "sim");
    expect(calls.length).toBeGreaterThan(10);
    const bad = calls.flatMap((c) => {
      const why = simProblem(c.rest);
      return why === null ? [] : [`${c.text}: ${why}`];
    });
    expect(bad).toEqual([]);
  });

  it("names only pnpm scripts or installed binaries, and bench options bench/main.ts lists", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const bench = readFileSync(join(REPO_ROOT, "bench/main.ts"), "utf8");
    const bad: string[] = [];
    for (const c of everything.flatMap(pnpmCalls)) {
      if (c.word === "sim") continue;
      const known =
        c.word === "install" ||
        Object.hasOwn(pkg.scripts, c.word) ||
        existsSync(join(REPO_ROOT, "node_modules/.bin", c.word));
      if (!known) bad.push(`${c.text}: no script or binary '${c.word}'`);
      if (c.word === "bench")
        for (const flag of c.rest.filter((w) => w.startsWith("--")))
          if (!new RegExp(`\\[${flag}(?![\\w-])`).test(bench))
            bad.push(`${c.text}: bench/main.ts's usage has no ${flag}`);
    }
    expect(bad).toEqual([]);
  });

  it("names only constants and functions the code declares", () => {
    const code = ["src", "sim", "test"]
      .flatMap((d) => tsFiles(join(REPO_ROOT, d)))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const names = [
      ...new Set(
        spans.flatMap((s) => {
          const m = /^([A-Z][A-Z0-9_]{2,}|[a-z][A-Za-z0-9]*(?=\(\)$))/.exec(s);
          return m !== null && (s === m[1] || s === `${m[1]}()`) ? [m[1] as string] : [];
        }),
      ),
    ];
    expect(names.length).toBeGreaterThan(10);
    const undeclared = names.filter(
      (n) => !new RegExp(`\\b(?:const|function|type|interface|class)\\s+${n}\\b`).test(code),
    );
    expect(undeclared).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("find a wrong path, a wrong command and a wrong option", () => {
    const m = mentionsOf(
      "see `sim/oracles/nope.ts` and `sim/ops/<op>.ts`\n```sh\npnpm sim goldn --write\n```\n",
    );
    const missing = [...m.spans, ...m.codeLines]
      .flatMap(pathsIn)
      .filter((p) => !existsSync(join(REPO_ROOT, checkablePath(p))));
    expect(missing).toEqual(["sim/oracles/nope.ts"]);
    expect(simProblem(pnpmCalls(m.codeLines[0] as string)[0]?.rest ?? [])).toMatch(/goldn/);
    expect(simProblem(["golden", "--wirte"])).toMatch(/--wirte/);
    expect(simProblem(["explore", "--depth", "2"])).toBeNull();
    expect(simProblem(["--scenario", "trap", "--seeds", "5"])).toBeNull();
  });
});
