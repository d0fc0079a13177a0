import type { Report, UniverseRecord } from "../report/schema.ts";

/** Reporters are plain interfaces: the fleet calls them, they never call back. */
export interface Reporter {
  onStart(total: number): void;
  onUniverse(record: UniverseRecord, done: number, total: number): void;
  onEnd(report: Report): void;
}
