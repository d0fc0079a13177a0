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

/**
 * The golden trace hashes: what a few pinned seeds of every shipped scenario mean. A change
 * that alters any of them changes what a seed replays, so it must be acknowledged by
 * regenerating the file (`pnpm sim golden --write`) in the same commit.
 */
export const GOLDEN_PATH = join(REPO_ROOT, "test/determinism/golden.json");
export const GOLDEN_SEEDS = [1, 2, 3] as const;

export interface Golden {
  readonly seeds: readonly number[];
  /** scenario name → seed → trace hash. */
  readonly hashes: Record<string, Record<string, string>>;
}

export async function computeGolden(
  scenarios: readonly Scenario[] = shippedScenarios(),
): Promise<Golden> {
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const births = new BirthCache();
  const hashes: Record<string, Record<string, string>> = {};
  for (const s of scenarios) {
    const bySeed: Record<string, string> = {};
    for (const seed of GOLDEN_SEEDS) {
      const { result } = await runUniverse(
        { scenario: s, seed, defects: [] },
        { system, oracles, findings: KNOWN_FINDINGS, births },
      );
      bySeed[String(seed)] = result.traceHash;
    }
    hashes[s.name] = bySeed;
  }
  return { seeds: [...GOLDEN_SEEDS], hashes };
}

/** Pretty JSON as the repository's formatter (biome) prints it: the short seed list inline. */
export function renderGolden(g: Golden): string {
  const text = JSON.stringify(g, null, 2).replace(
    /"seeds": \[[^\]]*\]/,
    `"seeds": [${g.seeds.join(", ")}]`,
  );
  return `${text}\n`;
}

/** Every (scenario, seed) whose hash differs from the committed golden, as readable lines. */
export function diffGolden(committed: Golden, now: Golden): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(committed.hashes), ...Object.keys(now.hashes)])].sort();
  for (const n of names) {
    const a = committed.hashes[n];
    const b = now.hashes[n];
    if (a === undefined) out.push(`${n}: new scenario, not in the golden file`);
    else if (b === undefined) out.push(`${n}: in the golden file, no longer shipped`);
    else
      for (const seed of GOLDEN_SEEDS)
        if (a[String(seed)] !== b[String(seed)])
          out.push(`${n} seed ${seed}: ${a[String(seed)]} -> ${b[String(seed)]}`);
  }
  return out;
}

/** `pnpm sim golden [--write]`: checks the committed golden file, or rewrites it. */
export async function goldenCommand(
  write: boolean,
  io: { readonly out: (line: string) => void },
): Promise<number> {
  const now = await computeGolden();
  if (write) {
    writeFileSync(GOLDEN_PATH, renderGolden(now));
    io.out(`wrote ${GOLDEN_PATH}`);
    return 0;
  }
  const committed = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as Golden;
  const diff = diffGolden(committed, now);
  for (const line of diff) io.out(line);
  if (diff.length > 0) {
    io.out("seeds changed meaning; if intended, run `pnpm sim golden --write` and commit it");
    return 1;
  }
  io.out(`golden trace hashes match (${Object.keys(now.hashes).length} scenarios)`);
  return 0;
}
