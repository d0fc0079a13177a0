import type { Report, Summary, UniverseRecord } from "../report/schema.ts";

/** Text rendering of records and reports: pure functions, no I/O. */
export function formatFailure(r: UniverseRecord): string[] {
  const lines: string[] = [];
  const head = r.verdict === "crash" ? "CRASH" : "FAIL";
  lines.push(
    `${head} ${r.scenario} seed ${r.seed}${r.defects.length ? ` (defects: ${r.defects.join(", ")})` : ""}`,
  );
  if (r.error !== undefined) lines.push(`  harness error: ${r.error}`);
  for (const v of r.violations) {
    const where = v.step < 0 ? "liveness phase" : `step ${v.step}`;
    lines.push(`  [${v.oracle}] ${v.code} at ${where}`);
    lines.push(`    expected: ${v.expected}`);
    lines.push(`    observed: ${v.observed}`);
  }
  for (const k of r.known) lines.push(`  known finding ${k.finding}: [${k.oracle}] ${k.code}`);
  lines.push(`  replay: ${r.replay}`);
  lines.push(`  trace:  ${r.traceHash}`);
  return lines;
}

/** Failing universes printed in full; the rest are counted (see --json). */
export const MAX_PRINTED_FAILURES = 20;

export function formatSummary(report: Report, maxFailures = MAX_PRINTED_FAILURES): string[] {
  const lines: string[] = [];
  const failing = report.universes.filter((u) => u.verdict !== "pass");
  for (const f of failing.slice(0, maxFailures)) lines.push(...formatFailure(f));
  lines.push(...formatTotals(report.summary, failing.length, maxFailures));
  return lines;
}

/**
 * What follows the failures printed in full: how many more failed, the counts, the known
 * findings and the violations by oracle. A streaming console prints the failures as they are
 * found and this at the end; the lines are those `formatSummary` gives.
 */
export function formatTotals(s: Summary, failing: number, maxFailures: number): string[] {
  const lines: string[] = [];
  if (failing > maxFailures)
    lines.push(`... and ${failing - maxFailures} more failing universes (see --json)`);
  const seeds = s.seeds ? `seeds ${s.seeds.from}..${s.seeds.to}` : "no seeds";
  lines.push(
    `${s.universes} universes over ${s.scenarios.length} scenario(s), ${seeds}: ${s.passed} passed, ${s.failed} failed, ${s.crashed} crashed` +
      ` in ${(s.elapsedMs / 1000).toFixed(2)} s (${s.universesPerSecond} universes/s)` +
      (s.stoppedByTimeLimit ? "; stopped by the time limit" : "") +
      (s.interrupted !== undefined
        ? `; interrupted by ${s.interrupted}: these are the universes that finished`
        : ""),
  );
  const known = Object.entries(s.knownFindings);
  if (known.length > 0) {
    lines.push(
      `known upstream findings reproduced (not failing; see sim/findings): ${known.map(([f, n]) => `${f}=${n}`).join(", ")}`,
    );
  }
  if (s.violations > 0) {
    lines.push(
      `violations by oracle: ${Object.entries(s.violationsByOracle)
        .map(([o, n]) => `${o}=${n}`)
        .join(", ")}`,
    );
  }
  return lines;
}
