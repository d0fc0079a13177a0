import type { ReportEnd, UniverseRecord } from "../report/schema.ts";

/**
 * Reporters are plain interfaces: the fleet calls them, they never call back. Every output
 * (console, JSON, JUnit, HTML) is one. Records come one at a time in job order, as universes
 * finish; `onEnd` gets the summary (also when the fleet was interrupted) and may write files.
 * A reporter keeps what it needs and nothing more: the fleet keeps no records.
 */
export interface Reporter {
  onStart(total: number): void;
  onUniverse(record: UniverseRecord, done: number, total: number): void;
  onEnd(end: ReportEnd): void | Promise<void>;
}
