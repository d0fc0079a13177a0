import { readFileSync, statSync } from "node:fs";
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
  let value: unknown;
  try {
    // An alias bomb expands exponentially: refuse it instead of filling memory.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(
      "scenario_unparseable",
      `${source}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
    );
  }
  const parsed = ScenarioSchema.safeParse(value);
  if (!parsed.success)
    throw new InputError("scenario_invalid", formatIssues(source, parsed.error.issues));
  return parsed.data;
}

/** A scenario file is a page of YAML; anything much larger is a mistake, not a scenario. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_SCENARIO_BYTES)
      throw new InputError(
        "scenario_too_large",
        `${path}: ${size} bytes; a scenario file is at most ${MAX_SCENARIO_BYTES} bytes`,
      );
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
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
