import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { sha256Hex } from "../../src/util/digest.ts";
import { sortKeysDeep } from "../../src/util/json.ts";
import { InputError } from "../cli/InputError.ts";
import { formatIssues } from "./formatIssues.ts";
import { type Scenario, ScenarioSchema } from "./schema.ts";

/** Alias expansions a scenario may use; an alias bomb needs millions. */
export const MAX_ALIAS_COUNT = 100;

/** Parses scenario text (YAML, or JSON which is YAML) from `source`; throws InputError. */
export function parseScenarioText(text: string, source: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const e = doc.errors[0];
  if (e !== undefined) {
    const at = lines.linePos(e.pos[0]);
    // yaml's own advice for several documents names its API, which a scenario author never calls.
    const what =
      e.code === "MULTIPLE_DOCS"
        ? "a scenario file holds one YAML document (found a second '---')"
        : (e.message.split("\n")[0] ?? "unparseable");
    throw new InputError(
      "scenario_unparseable",
      `${source}:${at.line}:${at.col}: ${what} (YAML ${e.code})`,
    );
  }
  let value: unknown;
  try {
    // An alias bomb expands exponentially: refuse it instead of filling memory.
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const bomb = e instanceof Error && /alias count/i.test(e.message);
    throw new InputError(
      bomb ? "scenario_alias_limit" : "scenario_unparseable",
      bomb
        ? `${source}: YAML aliases expand past ${MAX_ALIAS_COUNT} nodes (an alias bomb?); a scenario needs no more`
        : `${source}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`,
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
    const stat = statSync(path);
    const size = stat.size;
    // A device or a pipe has no size to check (/dev/zero never ends): only a plain file.
    if (!stat.isFile()) throw new InputError("scenario_unreadable", `${path}: not a file`);
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
