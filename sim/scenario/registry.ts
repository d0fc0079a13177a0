import { readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../cli/InputError.ts";
import { REPO_ROOT } from "../paths.ts";
import { loadScenarioFile } from "./load.ts";
import type { Scenario } from "./schema.ts";

/** The folder of shipped scenarios, relative to the repository root. */
export const SCENARIO_DIR = join(REPO_ROOT, "scenarios");

/** Every shipped scenario, sorted by name; names are unique. */
export function shippedScenarios(dir: string = SCENARIO_DIR): Scenario[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml") || f.endsWith(".json"))
    .sort();
  const out = new Map<string, Scenario>();
  for (const f of files) {
    const s = loadScenarioFile(join(dir, f));
    if (out.has(s.name))
      throw new InputError("scenario_duplicate", `${f}: scenario name '${s.name}' is used twice`);
    out.set(s.name, s);
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function findScenario(name: string, all: readonly Scenario[]): Scenario {
  const s = all.find((x) => x.name === name);
  if (!s) {
    throw new InputError(
      "scenario_unknown",
      `unknown scenario '${name}'; shipped: ${all.map((x) => x.name).join(", ")}`,
    );
  }
  return s;
}
