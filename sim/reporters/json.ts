import type { Reporter } from "../orchestrator/reporter.ts";
import type { Report, ReportEnd, UniverseRecord } from "../report/schema.ts";

/** Where a reporter's text goes, piece by piece; `finish` throws when any piece was lost. */
export interface TextOut {
  write(text: string | Uint8Array): void;
  finish(): void;
}

/** `JSON.stringify(value, null, 2)` nested `depth` levels deep (strings hold no raw newline). */
const nested = (value: unknown, depth: number): string =>
  JSON.stringify(value, null, 2).replace(/\n/g, `\n${"  ".repeat(depth)}`);

/**
 * The JSON report in pieces, byte for byte `JSON.stringify(report, null, 2)` + newline: the
 * head (tool, versions, defects) and the opening of `universes`, one piece per record, and the
 * tail (reached, summary). Pure.
 */
export const jsonPieces = {
  head(head: Pick<Report, "tool" | "harnessVersion" | "nodeVersion" | "defects">): string {
    const fields = Object.entries(head).map(
      ([k, v]) => `  ${JSON.stringify(k)}: ${nested(v, 1)},\n`,
    );
    return `{\n${fields.join("")}  "universes": [`;
  },
  record(record: UniverseRecord, index: number): string {
    return `${index === 0 ? "" : ","}\n    ${nested(record, 2)}`;
  },
  tail(end: Pick<ReportEnd, "reached" | "summary">, records: number): string {
    return `${records === 0 ? "" : "\n  "}],\n  "reached": ${nested(end.reached, 1)},\n  "summary": ${nested(end.summary, 1)}\n}\n`;
  },
};

/**
 * The JSON report written as the fleet runs: every universe is appended when it finishes (in
 * job order), so a million universes cost the file, not memory. The file is valid JSON once
 * the fleet ends, also when a signal stopped it (its summary then says `interrupted`).
 */
export class JsonReporter implements Reporter {
  private records = 0;

  constructor(
    private readonly out: TextOut,
    private readonly head: Pick<Report, "tool" | "harnessVersion" | "nodeVersion" | "defects">,
  ) {}

  onStart(): void {
    this.out.write(jsonPieces.head(this.head));
  }

  onUniverse(record: UniverseRecord): void {
    this.out.write(jsonPieces.record(record, this.records++));
  }

  onEnd(end: ReportEnd): void {
    this.out.write(jsonPieces.tail(end, this.records));
    this.out.finish();
  }
}
