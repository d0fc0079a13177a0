import type { DefectName } from "../../src/world/defects.ts";
import { scenarioDigest } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { HARNESS_VERSION } from "../version.ts";

/** The pin that makes replay refuse when the harness or the scenario definition changed. */
export function replayPin(scenario: Scenario): string {
  return `h${HARNESS_VERSION}-${scenarioDigest(scenario)}`;
}

/** One copy-pasteable line that reproduces a universe exactly (no `--`: pnpm would pass it on). */
export function replayLine(
  scenario: Scenario,
  seed: number,
  defects: readonly DefectName[],
  file?: string,
): string {
  const parts = ["pnpm sim replay"];
  if (file !== undefined) parts.push(`--file ${file}`);
  else parts.push(`--scenario ${scenario.name}`);
  parts.push(`--seed ${seed}`);
  for (const d of [...defects].sort()) parts.push(`--defect ${d}`);
  parts.push(`--pin ${replayPin(scenario)}`);
  return parts.join(" ");
}
