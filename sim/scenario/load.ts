import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { sha256Hex } from "../../src/util/digest.ts";
import { sortKeysDeep } from "../../src/util/json.ts";
import { InputError } from "../cli/InputError.ts";
import { formatIssues } from "./formatIssues.ts";
import { type Scenario, ScenarioSchema } from "./schema.ts";

/** Parses scenario text (YAML, or JSON which is YAML) from `source`; throws InputError. */
export function parseScenarioText(text: string, source: string): Scenario {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new InputError(
      "scenario_unparseable",
      `${source}: ${e?.message.split("\n")[0] ?? "unparseable"}`,
    );
  }
  const parsed = ScenarioSchema.safeParse(doc.toJS());
  if (!parsed.success)
    throw new InputError("scenario_invalid", formatIssues(source, parsed.error.issues));
  return parsed.data;
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(
      "scenario_unreadable",
      `${path}: cannot read scenario file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  return parseScenarioText(text, path);
}

/** The identity of a scenario's definition: replay refuses when it changed. */
export function scenarioDigest(s: Scenario): string {
  return sha256Hex(JSON.stringify(sortKeysDeep(s))).slice(0, 12);
}
