import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { lintAs, ROOT } from "./lintProbe.ts";

describe("the nondeterminism lint rule", () => {
  const banned = [
    "export const x = Math.random();",
    "export const x = Date.now();",
    "export const x = new Date();",
    "export const x = performance.now();",
    "export const x = crypto.randomUUID();",
    "export const x = process.hrtime();",
    "export const x = process.hrtime.bigint();",
    "setTimeout(() => 1, 5);",
    "setInterval(() => 1, 5);",
    "setImmediate(() => 1);",
  ];

  it.each(banned)("rejects %s in src/", (code) => {
    const r = lintAs("src/cluster/probe.ts", code);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("Nondeterminism");
  });

  it.each(banned.slice(0, 3))("rejects %s in sim/", (code) => {
    expect(lintAs("sim/probe.ts", code).status).not.toBe(0);
  });

  it("allows the real seam implementations", () => {
    expect(lintAs("src/world/real/probe.ts", "export const x = Date.now();\n").status).toBe(0);
  });

  it("allows deterministic uses of the same globals", () => {
    expect(
      lintAs(
        "src/cluster/probe.ts",
        "export const x = new Date(0).toISOString();\nexport const y = Math.max(1, 2);\n",
      ).status,
    ).toBe(0);
  });
});

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("no module-level mutable state", () => {
  it("src/ and sim/ declare no top-level let or var", () => {
    const offenders: string[] = [];
    for (const dir of ["src", "sim"]) {
      let list: string[] = [];
      try {
        list = files(join(ROOT, dir));
      } catch {
        continue;
      }
      for (const f of list) {
        readFileSync(f, "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (/^(export\s+)?(let|var)\s/.test(line))
              offenders.push(`${relative(ROOT, f)}:${i + 1}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
