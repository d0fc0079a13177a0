import type { z } from "zod";

/** Issues named in full; bad input is one line, and a few issues say enough to go on. */
const SHOWN = 3;

/** Renders zod issues on one line: `<source>: <path>: <message>; <path>: <message> (and N more)`. Pure. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, SHOWN).map((i) => {
    const path = i.path.length === 0 ? "(top level)" : i.path.map(String).join(".");
    return `${path}: ${i.message.replaceAll("\n", " ")}`;
  });
  const more = issues.length > SHOWN ? ` (and ${issues.length - SHOWN} more)` : "";
  return `${source}: ${shown.join("; ")}${more}`;
}
