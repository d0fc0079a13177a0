import { InputError } from "../cli/InputError.ts";
import { buildReport } from "../orchestrator/fleet.ts";
import type { Report, UniverseRecord } from "./schema.ts";

/**
 * Merges shard reports (CI matrices) into one. A universe present in two shards must have the
 * same trace hash in both (determinism across machines), else the merge refuses.
 */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) throw new InputError("merge_empty", "merge needs at least one report");
  const versions = new Set(reports.map((r) => r.harnessVersion));
  if (versions.size > 1) {
    throw new InputError(
      "merge_version_mismatch",
      `reports come from different harness versions: ${[...versions].sort().join(", ")}`,
    );
  }
  const byKey = new Map<string, UniverseRecord>();
  for (const r of reports) {
    for (const u of r.universes) {
      const key = `${u.scenario}\u0000${u.seed}\u0000${u.defects.join(",")}`;
      const seen = byKey.get(key);
      if (seen && seen.traceHash !== u.traceHash) {
        throw new InputError(
          "merge_nondeterminism",
          `${u.scenario} seed ${u.seed} has trace ${seen.traceHash} in one report and ${u.traceHash} in another: the runs diverged`,
        );
      }
      byKey.set(key, u);
    }
  }
  const reached = new Map<string, number>();
  for (const r of reports)
    for (const [name, n] of r.reached) reached.set(name, (reached.get(name) ?? 0) + n);
  const defects = [...new Set(reports.flatMap((r) => r.defects))];
  const elapsed = reports.reduce((a, r) => a + r.summary.elapsedMs, 0);
  return buildReport(
    [...byKey.values()],
    reached,
    defects,
    elapsed,
    reports.some((r) => r.summary.stoppedByTimeLimit),
    // A shard stopped by a signal makes the merged report partial too.
    reports.find((r) => r.summary.interrupted !== undefined)?.summary.interrupted,
  );
}
