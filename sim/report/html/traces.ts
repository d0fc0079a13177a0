import { type DefectName, isDefectName } from "../../../src/world/defects.ts";
import { InputError } from "../../cli/InputError.ts";
import { KNOWN_FINDINGS } from "../../findings/index.ts";
import { allOracles } from "../../oracles/index.ts";
import { replayPin, shellWords } from "../../orchestrator/replayLine.ts";
import type { Scenario } from "../../scenario/schema.ts";
import { modelOracleDeps, modelSystem } from "../../universe/modelSystem.ts";
import { runUniverse } from "../../universe/run.ts";
import type { Report, UniverseRecord } from "../schema.ts";
import type { TraceEntry } from "./render.ts";

/** How many failing universes get a replayed timeline; the rest are listed without one. */
export const MAX_TIMELINES = 100;

/** What a record's replay line names: `--scenario NAME` or `--file PATH`, and `--pin P`. */
export interface ReplayRef {
  readonly scenario?: string;
  readonly file?: string;
  readonly pin?: string;
}

export function parseReplayLine(line: string): ReplayRef {
  const words = shellWords(line);
  const after = (flag: string): string | undefined => {
    const i = words.indexOf(flag);
    return i >= 0 ? words[i + 1] : undefined;
  };
  const scenario = after("--scenario");
  const file = after("--file");
  const pin = after("--pin");
  return {
    ...(scenario !== undefined ? { scenario } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(pin !== undefined ? { pin } : {}),
  };
}

/** Finds the scenario a record was run with (the CLI decides where scenarios come from). */
export type ScenarioResolver = (rec: UniverseRecord, ref: ReplayRef) => Scenario;

export interface TraceOptions {
  readonly resolve: ScenarioResolver;
  readonly limit?: number;
  /** Told about a replay that ran but diverged from the report (its timeline is omitted). */
  readonly warn?: (message: string) => void;
}

const label = (r: UniverseRecord) =>
  `${r.scenario} seed ${r.seed}${r.defects.length ? ` (defects: ${r.defects.join(", ")})` : ""}`;

/**
 * Replays every failing universe of a report (deterministically, through the same scenario
 * registry and model) to recover its trace. Refuses, with an InputError, a record whose replay
 * pin no longer matches this checkout or whose defects it does not know; a replay whose trace
 * hash differs from the report's gets no timeline, and says why.
 */
export async function replayFailures(report: Report, opts: TraceOptions): Promise<TraceEntry[]> {
  const limit = opts.limit ?? MAX_TIMELINES;
  const failing = report.universes.filter((u) => u.verdict !== "pass");
  const out: TraceEntry[] = [];
  for (const [n, rec] of failing.entries()) {
    const key = { scenario: rec.scenario, seed: rec.seed, defects: rec.defects };
    if (n >= limit) {
      out.push({ ...key, omitted: `only the first ${limit} failing universes are replayed` });
      continue;
    }
    const ref = parseReplayLine(rec.replay);
    const bad = rec.defects.filter((d) => !isDefectName(d));
    if (bad.length > 0)
      throw new InputError(
        "replay_unknown_defect",
        `cannot replay ${label(rec)}: this checkout has no defect named ${bad.join(", ")}`,
      );
    const scenario = opts.resolve(rec, ref);
    const pin = replayPin(scenario);
    if (ref.pin !== pin)
      throw new InputError(
        "replay_pin_mismatch",
        `refusing to replay ${label(rec)}: the report was made with pin ${ref.pin ?? "(none)"}, but this checkout is ${pin} (the harness version or the scenario definition changed since; re-run the fleet for a current report)`,
      );
    const { result, universe } = await runUniverse(
      { scenario, seed: rec.seed, defects: rec.defects as DefectName[] },
      {
        system: modelSystem(),
        oracles: allOracles(modelOracleDeps),
        findings: KNOWN_FINDINGS,
        keepTrace: true,
      },
    );
    if (result.traceHash !== rec.traceHash) {
      const why = `the replay diverged from the report (trace ${result.traceHash}, the report says ${rec.traceHash})`;
      opts.warn?.(`${label(rec)}: ${why}; no timeline`);
      out.push({ ...key, omitted: why });
      continue;
    }
    out.push({ ...key, events: [...universe.world.trace.events] });
  }
  return out;
}
