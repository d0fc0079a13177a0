import type { DefectName } from "../../src/world/defects.ts";
import { scenarioDigest } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { HARNESS_VERSION } from "../version.ts";

/** The pin that makes replay refuse when the harness or the scenario definition changed. */
export function replayPin(scenario: Scenario): string {
  return `h${HARNESS_VERSION}-${scenarioDigest(scenario)}`;
}

/** A word a POSIX shell reads back as `text`: quoted only when it must be, so lines stay plain. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The words a POSIX shell reads from `line` (quotes and backslashes; no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? "") + line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    } else if (c === "\\" && i + 1 < line.length) word = (word ?? "") + line[++i];
    else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** One copy-pasteable line that reproduces a universe exactly (no `--`: pnpm would pass it on). */
export function replayLine(
  scenario: Scenario,
  seed: number,
  defects: readonly DefectName[],
  file?: string,
): string {
  const parts = ["pnpm sim replay"];
  if (file !== undefined) parts.push(`--file ${shellWord(file)}`);
  else parts.push(`--scenario ${scenario.name}`);
  parts.push(`--seed ${seed}`);
  for (const d of [...defects].sort()) parts.push(`--defect ${d}`);
  parts.push(`--pin ${replayPin(scenario)}`);
  return parts.join(" ");
}
