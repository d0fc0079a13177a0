import type { z } from "zod";

/** Renders zod issues as one line each: `<source>: <path>: <message>`. Pure. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.length === 0 ? "(top level)" : i.path.map(String).join(".");
      return `${source}: ${path}: ${i.message}`;
    })
    .join("\n");
}
