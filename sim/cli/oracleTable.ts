import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFECT_NAMES, type DefectName } from "../../src/world/defects.ts";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import { REPO_ROOT } from "../paths.ts";
import { shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { BirthCache } from "../universe/birth.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import { runUniverse } from "../universe/run.ts";

/** The README the table lives in, between these markers. */
export const README_PATH = join(REPO_ROOT, "README.md");
export const TABLE_START = "<!-- oracle-table:start -->";
export const TABLE_END = "<!-- oracle-table:end -->";
/** The seed every sensitivity universe runs at (scripted scenarios draw little from it). */
export const SENSITIVITY_SEED = 1;

export interface Kill {
  readonly oracle: string;
  readonly defect: DefectName;
  readonly codes: readonly string[];
  readonly scenarios: readonly string[];
}

export interface OracleTable {
  readonly oracles: readonly string[];
  /** What each oracle promises, in one line (its `description`), in the oracles' order. */
  readonly promises: readonly string[];
  readonly defects: readonly DefectName[];
  readonly scenarios: readonly string[];
  readonly kills: readonly Kill[];
  /** Violations on the fixed model (must be none: the sensitivity scenarios pass). */
  readonly fixedModel: readonly string[];
}

/**
 * Sensitivity: every shipped scripted scenario (each oracle's sensitivity scenarios are among
 * them) runs at one seed on the fixed model and with each planted defect; an oracle kills a
 * defect when it reports a violation with the defect that it does not report without it.
 * Known upstream findings are filtered as in any run.
 */
export async function buildOracleTable(
  scenarios: readonly Scenario[] = shippedScenarios().filter((s) => s.kind === "scripted"),
): Promise<OracleTable> {
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const births = new BirthCache();
  const run = async (s: Scenario, defects: readonly DefectName[]) =>
    (
      await runUniverse(
        { scenario: s, seed: SENSITIVITY_SEED, defects },
        { system, oracles, findings: KNOWN_FINDINGS, births },
      )
    ).result;
  const found = new Map<string, { codes: Set<string>; scenarios: Set<string> }>();
  const fixedModel: string[] = [];
  for (const s of scenarios) {
    const fixed = await run(s, []);
    const baseline = new Set(fixed.violations.map((v) => `${v.oracle}/${v.code}`));
    for (const v of fixed.violations) fixedModel.push(`${s.name}: ${v.oracle}/${v.code}`);
    if (fixed.error !== undefined) fixedModel.push(`${s.name}: harness error ${fixed.error}`);
    for (const d of DEFECT_NAMES) {
      for (const v of (await run(s, [d])).violations) {
        if (baseline.has(`${v.oracle}/${v.code}`)) continue;
        const key = `${v.oracle}\u0000${d}`;
        const k = found.get(key) ?? { codes: new Set(), scenarios: new Set() };
        k.codes.add(v.code);
        k.scenarios.add(s.name);
        found.set(key, k);
      }
    }
  }
  const names = oracles.map((o) => o.name);
  const kills: Kill[] = [];
  for (const oracle of names) {
    for (const defect of DEFECT_NAMES) {
      const k = found.get(`${oracle}\u0000${defect}`);
      if (k === undefined) continue;
      kills.push({
        oracle,
        defect,
        codes: [...k.codes].sort(),
        scenarios: [...k.scenarios].sort(),
      });
    }
  }
  return {
    oracles: names,
    promises: oracles.map((o) => o.description),
    defects: DEFECT_NAMES,
    scenarios: scenarios.map((s) => s.name),
    kills,
    fixedModel,
  };
}

type Align = "left" | "center";

/** A markdown table padded as the repository's formatter (biome) prints it. */
export function markdownTable(
  header: readonly string[],
  align: readonly Align[],
  rows: ReadonlyArray<readonly string[]>,
): string[] {
  const width = header.map((h, i) =>
    Math.max(3, [...h].length, ...rows.map((r) => [...(r[i] ?? "")].length)),
  );
  const pad = (text: string, i: number) => {
    const w = width[i] ?? 3;
    const n = [...text].length;
    if (align[i] !== "center") return text + " ".repeat(w - n);
    const left = Math.floor((w - n) / 2);
    return " ".repeat(left) + text + " ".repeat(w - n - left);
  };
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => pad(c, i)).join(" | ")} |`;
  const rule = width.map((w, i) =>
    align[i] === "center" ? `:${"-".repeat(w - 2)}:` : "-".repeat(w),
  );
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)];
}

/** The markdown the README carries between the markers (no timings: it is compared). */
export function renderOracleTable(t: OracleTable): string {
  const kills = (o: string, d: string) => t.kills.some((k) => k.oracle === o && k.defect === d);
  const matrix = markdownTable(
    ["oracle", ...t.defects],
    ["left", ...t.defects.map((): Align => "center")],
    [
      ...t.oracles.map((o) => [o, ...t.defects.map((d) => (kills(o, d) ? "✗" : "·"))]),
      [
        "**oracles killing it**",
        ...t.defects.map((d) => String(t.oracles.filter((o) => kills(o, d)).length)),
      ],
    ],
  );
  const unkilled = t.defects.filter((d) => !t.oracles.some((o) => kills(o, d)));
  const silent = t.oracles.filter((o) => !t.defects.some((d) => kills(o, d)));
  const details = markdownTable(
    ["oracle", "defect", "codes", "e.g. scenario"],
    ["left", "left", "left", "left"],
    t.kills.map((k) => [k.oracle, k.defect, k.codes.join(", "), k.scenarios[0] ?? ""]),
  );
  const promises = markdownTable(
    ["oracle", "promises"],
    ["left", "left"],
    t.oracles.map((o, i) => [o, t.promises[i] ?? ""]),
  );
  return [
    ...promises,
    "",
    `Generated by \`pnpm sim oracles --write\` (do not edit by hand; a test compares it): each shipped scripted scenario at seed ${SENSITIVITY_SEED}, on the fixed model and with each planted defect of \`src/world/defects.ts\`. ✗ = the oracle reports a violation with the defect that it does not report without it.`,
    "",
    ...matrix,
    "",
    `Defects no oracle kills: ${unkilled.length ? unkilled.join(", ") : "none"}. Oracles no defect wakes: ${silent.length ? silent.join(", ") : "none"}. Violations on the fixed model: ${t.fixedModel.length ? t.fixedModel.join("; ") : "none"}.`,
    "",
    ...details,
  ].join("\n");
}

/** The README section between the markers, or null when the markers are missing. */
export function readmeSection(text: string): string | null {
  const a = text.indexOf(TABLE_START);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) return null;
  return text.slice(a + TABLE_START.length, b).trim();
}

export function replaceReadmeSection(text: string, table: string): string {
  const a = text.indexOf(TABLE_START);
  const b = text.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error(`README.md lacks the ${TABLE_START} / ${TABLE_END} markers`);
  return `${text.slice(0, a + TABLE_START.length)}\n${table}\n${text.slice(b)}`;
}

/** `pnpm sim oracles [--write]`: prints the table, or rewrites the README's copy of it. */
export async function oraclesCommand(
  write: boolean,
  io: { readonly out: (line: string) => void },
): Promise<number> {
  const table = await buildOracleTable();
  const md = renderOracleTable(table);
  if (write) {
    writeFileSync(README_PATH, replaceReadmeSection(readFileSync(README_PATH, "utf8"), md));
    io.out(`wrote the oracle table into ${README_PATH}`);
  } else {
    io.out(md);
  }
  const unkilled = table.defects.filter((d) => !table.kills.some((k) => k.defect === d));
  return table.fixedModel.length > 0 || unkilled.length > 0 ? 1 : 0;
}
