import { wallMs } from "../../src/world/real/wall.ts";
import type { Args } from "../cli/args.ts";
import type { Scenario } from "../scenario/schema.ts";
import { type Corpus, corpusPath, emptyCorpus, loadCorpus, saveCorpus } from "./corpus.ts";
import { GENERATION, type GuidedSummary, runGuided } from "./guided.ts";

/** Universes a guided run makes without --seeds. */
export const DEFAULT_GUIDED = 200;

interface Io {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

/** The summary lines of a guided run (pure; the elapsed time goes to stderr, not here). */
export function formatGuidedSummary(s: GuidedSummary, corpus: Corpus, dir?: string): string[] {
  const lines = [
    `${plural(s.universes, "universe")} in ${plural(s.generations, "generation")} (${s.fresh} fresh, ${s.derived} derived): ${s.universes - s.failed - s.crashed} passed, ${s.failed} failed, ${s.crashed} crashed${s.firstFailure !== null ? `; first failure at universe ${s.firstFailure}` : ""}`,
    `corpus: ${s.corpusAfter} entries (${s.corpusAfter - s.corpusBefore} new), ${s.features} features; failpoint pairs fired: ${s.pairsFired} of ${s.pairsReachable} reachable${s.allPairsAt !== null ? ` (all by universe ${s.allPairsAt})` : ""}`,
  ];
  const oracles = Object.entries(s.violationsByOracle);
  if (oracles.length > 0)
    lines.push(`violations by oracle: ${oracles.map(([o, n]) => `${o}=${n}`).join(", ")}`);
  if (dir !== undefined)
    lines.push(
      `corpus saved: ${corpusPath(dir)} (${plural(corpus.runs, "run")}, ${corpus.universes} universes)`,
    );
  return lines;
}

/** `pnpm sim --guided`: exit 0 when nothing failed, 1 when a universe did, 2 on bad input. */
export async function guidedCommand(args: Args, scenario: Scenario, io: Io): Promise<number> {
  const corpus =
    args.corpus !== undefined ? loadCorpus(args.corpus, scenario.name) : emptyCorpus(scenario.name);
  const universes = args.seeds ?? DEFAULT_GUIDED;
  const from = args.from ?? 1;
  const workers = args.workers ?? 1;
  io.err(
    `guided: ${scenario.name}, ${plural(universes, "universe")} in generations of ${GENERATION} on ${plural(workers, "worker")}, fresh seeds from ${from}${args.defects.length ? `, defects: ${args.defects.join(", ")}` : ""}${args.corpus !== undefined ? `; corpus ${corpusPath(args.corpus)}: ${plural(corpus.entries.length, "entry").replace("entrys", "entries")}` : ""}\n`,
  );
  const t0 = wallMs();
  const summary = await runGuided({
    scenario,
    ...(args.file !== undefined ? { file: args.file } : {}),
    defects: args.defects,
    universes,
    from,
    workers,
    corpus,
    failuresDir: "failures",
    out: io.out,
    progress: io.err,
  });
  if (args.corpus !== undefined) saveCorpus(args.corpus, corpus);
  for (const line of formatGuidedSummary(summary, corpus, args.corpus)) io.out(line);
  const s = (wallMs() - t0) / 1000;
  io.err(`guided run took ${s.toFixed(2)} s (${(summary.universes / s).toFixed(1)} universes/s)\n`);
  return summary.failed + summary.crashed > 0 ? 1 : 0;
}
