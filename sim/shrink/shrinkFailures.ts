import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { DefectName } from "../../src/world/defects.ts";
import { wallMs } from "../../src/world/real/wall.ts";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import type { UniverseJob } from "../orchestrator/jobs.ts";
import { replayPin, shellWord } from "../orchestrator/replayLine.ts";
import type { Report } from "../report/schema.ts";
import { parseScenarioText } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { BirthCache } from "../universe/birth.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import { runUniverse } from "../universe/run.ts";
import { resolveSwarm } from "../universe/swarm.ts";
import { asScripted, shrink } from "./shrink.ts";

export interface ShrunkFailure {
  readonly file: string;
  /** The pin of the written file, as `replay --file` computes it. */
  readonly pin: string;
  /** The line that replays the written file (its header carries the same). */
  readonly replay: string;
  readonly scenario: string;
  readonly seed: number;
  readonly oracle: string;
  readonly code: string;
  readonly before: number;
  readonly after: number;
  readonly runs: number;
  readonly ms: number;
}

/**
 * Shrinks up to `max` failing universes of a report (one per distinct oracle and code) into
 * minimal scripted scenario files under `dir`. Storage faults shrink too: a universe records
 * each fault pinned to its step and call, so its steps replay (and lose faults) like crashes.
 */
export async function shrinkFailures(
  report: Report,
  scenarios: readonly Scenario[],
  dir: string,
  max: number,
): Promise<ShrunkFailure[]> {
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const births = new BirthCache();
  const seen = new Set<string>();
  const out: ShrunkFailure[] = [];
  for (const u of report.universes) {
    if (out.length >= max) break;
    const v = u.violations[0];
    if (u.verdict !== "fail" || v === undefined) continue;
    const key = `${v.oracle}/${v.code}`;
    if (seen.has(key)) continue;
    const scenario = scenarios.find((s) => s.name === u.scenario);
    if (!scenario) continue;
    seen.add(key);
    const t0 = wallMs();
    const defects = u.defects as DefectName[];
    const original = await runUniverse(
      { scenario, seed: u.seed, defects },
      { system, oracles, findings: KNOWN_FINDINGS, births },
    );
    const note = `shrunk from ${scenario.name} seed ${u.seed}${defects.length ? ` with ${defects.join(", ")}` : ""}: ${v.oracle} ${v.code}`;
    const initial = asScripted(
      resolveSwarm(scenario, u.seed),
      original.result.steps,
      defects,
      note,
    );
    const run = async (s: typeof initial) => {
      const job: UniverseJob = { scenario: s, seed: u.seed, defects };
      return (await runUniverse(job, { system, oracles, findings: KNOWN_FINDINGS, births })).result;
    };
    const r = await shrink(initial, v, run);
    const file = join(dir, `${v.oracle}--${v.code}--${scenario.name}-${u.seed}.yaml`);
    mkdirSync(dir, { recursive: true });
    const body = stringify({
      ...r.scenario,
      description: `${note} (${r.before} steps shrunk to ${r.after})`,
    });
    // The pin of the file as replay will load it, so its replay line always works.
    const pin = replayPin(parseScenarioText(body, file));
    const replay = `pnpm sim replay --file ${shellWord(file)} --seed ${u.seed} --pin ${pin}`;
    const header = `# ${note}\n# ${r.before} steps shrunk to ${r.after} in ${r.runs} runs.\n# pin: ${pin}\n# replay: ${replay}\n`;
    writeFileSync(file, header + body);
    out.push({
      file,
      pin,
      replay,
      scenario: scenario.name,
      seed: u.seed,
      oracle: v.oracle,
      code: v.code,
      before: r.before,
      after: r.after,
      runs: r.runs,
      ms: Math.round(wallMs() - t0),
    });
  }
  return out;
}
