import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_FAILPOINTS, NAMED_FAILPOINTS, STEP_LABELS } from "../../src/catalog/failpoints.ts";

/**
 * The catalog and the code must agree in both directions: every durable write carries a
 * catalogued step label, every catalogued label is used by some write, and every upstream
 * named failpoint is evaluated somewhere.
 */
const ROOT = join(import.meta.dirname, "../..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

const files = sourceFiles(join(ROOT, "src")).filter(
  (f) => !f.endsWith(join("catalog", "failpoints.ts")),
);
const sources = files.map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, "utf8") }));
const WRITE_CALL =
  /\.(put|putIfAbsent|putIfMatch|delete|deletePrefix|rename)\(\s*("([^"]*)"|[A-Za-z_$][\w$.]*)/g;

describe("failpoint catalog", () => {
  it("has no duplicates", () => {
    expect(new Set(ALL_FAILPOINTS).size).toBe(ALL_FAILPOINTS.length);
  });

  it("every storage write in the model names a catalogued step", () => {
    const labels = new Set<string>(STEP_LABELS);
    const problems: string[] = [];
    for (const { file, text } of sources) {
      if (file.startsWith("src/world/")) continue;
      for (const m of text.matchAll(WRITE_CALL)) {
        const before = text.slice(Math.max(0, (m.index ?? 0) - 40), m.index);
        if (
          !/storage\s*$|storage\)?\s*$/.test(before) &&
          !/\bstorage\b/.test(before.split("\n").pop() ?? "")
        )
          continue;
        const literal = m[3];
        if (literal !== undefined && !labels.has(literal))
          problems.push(`${file}: write labelled '${literal}' is not in the catalog`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("model code never writes to the raw store around the labelled storage", () => {
    const offenders = sources
      .filter(({ file }) => !file.startsWith("src/world/"))
      .filter(({ text }) =>
        /\bworld\.store\.(put|putIfAbsent|putIfMatch|delete|deletePrefix|rename)\(/.test(text),
      )
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });

  it("every catalogued step label is used by some write", () => {
    const all = sources.map((s) => s.text).join("\n");
    const unused = STEP_LABELS.filter((l) => !all.includes(`"${l}"`));
    expect(unused).toEqual([]);
  });

  it("every upstream named failpoint is evaluated by the model", () => {
    const all = sources.map((s) => s.text).join("\n");
    const unused = NAMED_FAILPOINTS.filter((n) => !all.includes(`"${n}"`));
    expect(unused).toEqual([]);
  });
});
