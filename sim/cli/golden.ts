import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import { REPO_ROOT } from "../paths.ts";
import { shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { BirthCache } from "../universe/birth.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import { runUniverse } from "../universe/run.ts";
import {
  encodeGoldenTraces,
  firstDifference,
  GOLDEN_TRACES_PATH,
  type GoldenTraces,
  hashTraceLines,
  readGoldenTraces,
} from "./goldenTraces.ts";

/**
 * The golden trace hashes: what a few pinned seeds of every shipped scenario mean. A change
 * that alters any of them changes what a seed replays, so it must be acknowledged by
 * regenerating the file (`pnpm sim golden --write`) in the same commit. The traces behind
 * the hashes are committed beside it (goldenTraces.ts), so a changed seed is shown as the
 * first trace line that differs.
 */
export const GOLDEN_PATH = join(REPO_ROOT, "test/determinism/golden.json");
export const GOLDEN_SEEDS = [1, 2, 3] as const;

export interface Golden {
  readonly seeds: readonly number[];
  /** scenario name → seed → trace hash. */
  readonly hashes: Record<string, Record<string, string>>;
}

/** The golden hashes of this checkout, and the trace lines each one hashes. */
export interface GoldenRun {
  readonly golden: Golden;
  readonly traces: GoldenTraces;
}

export async function computeGolden(
  scenarios: readonly Scenario[] = shippedScenarios(),
): Promise<GoldenRun> {
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const births = new BirthCache();
  const hashes: Record<string, Record<string, string>> = {};
  const traces: Record<string, Record<string, readonly string[]>> = {};
  for (const s of scenarios) {
    const bySeed: Record<string, string> = {};
    const linesBySeed: Record<string, readonly string[]> = {};
    for (const seed of GOLDEN_SEEDS) {
      const { result, trace } = await runUniverse(
        { scenario: s, seed, defects: [] },
        { system, oracles, findings: KNOWN_FINDINGS, births, keepTrace: true },
      );
      bySeed[String(seed)] = result.traceHash;
      linesBySeed[String(seed)] = trace ?? [];
    }
    hashes[s.name] = bySeed;
    traces[s.name] = linesBySeed;
  }
  return { golden: { seeds: [...GOLDEN_SEEDS], hashes }, traces };
}

/** Pretty JSON as the repository's formatter (biome) prints it: the short seed list inline. */
export function renderGolden(g: Golden): string {
  const text = JSON.stringify(g, null, 2).replace(
    /"seeds": \[[^\]]*\]/,
    `"seeds": [${g.seeds.join(", ")}]`,
  );
  return `${text}\n`;
}

/**
 * Every (scenario, seed) whose hash differs from the committed golden, as readable lines:
 * with traces, each changed seed is followed by its first differing trace line, old and new
 * (or why it cannot be shown).
 */
export function diffGolden(
  committed: Golden,
  now: Golden,
  traces?: { readonly committed: GoldenTraces | null; readonly now: GoldenTraces },
): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(committed.hashes), ...Object.keys(now.hashes)])].sort();
  for (const n of names) {
    const a = committed.hashes[n];
    const b = now.hashes[n];
    if (a === undefined) out.push(`${n}: new scenario, not in the golden file`);
    else if (b === undefined) out.push(`${n}: in the golden file, no longer shipped`);
    else
      for (const seed of GOLDEN_SEEDS) {
        const [was, is] = [a[String(seed)], b[String(seed)]];
        if (was === is) continue;
        out.push(`${n} seed ${seed}: ${was} -> ${is}`);
        if (traces !== undefined) out.push(...explainSeed(n, seed, was, traces));
      }
  }
  return out;
}

function explainSeed(
  name: string,
  seed: number,
  committedHash: string | undefined,
  traces: { readonly committed: GoldenTraces | null; readonly now: GoldenTraces },
): string[] {
  const was = traces.committed?.[name]?.[String(seed)];
  const now = traces.now[name]?.[String(seed)];
  if (now === undefined) return [];
  if (was === undefined || hashTraceLines(was) !== committedHash)
    return [
      "  (no committed trace hashes to the committed golden hash: golden-traces.json.br is missing or stale; the changed line cannot be shown)",
    ];
  return (firstDifference(was, now) ?? []).map((line) => `  ${line}`);
}

/** `pnpm sim golden [--write]`: checks the committed golden file, or rewrites it. */
export async function goldenCommand(
  write: boolean,
  io: { readonly out: (line: string) => void },
): Promise<number> {
  const { golden: now, traces } = await computeGolden();
  if (write) {
    writeFileSync(GOLDEN_PATH, renderGolden(now));
    writeFileSync(GOLDEN_TRACES_PATH, encodeGoldenTraces(traces));
    io.out(`wrote ${GOLDEN_PATH} and ${GOLDEN_TRACES_PATH}`);
    return 0;
  }
  const committed = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as Golden;
  const diff = diffGolden(committed, now, { committed: readGoldenTraces(), now: traces });
  for (const line of diff) io.out(line);
  if (diff.length > 0) {
    io.out("seeds changed meaning; if intended, run `pnpm sim golden --write` and commit it");
    return 1;
  }
  io.out(`golden trace hashes match (${Object.keys(now.hashes).length} scenarios)`);
  return 0;
}
