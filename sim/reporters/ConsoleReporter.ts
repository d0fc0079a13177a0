import type { Reporter } from "../orchestrator/reporter.ts";
import type { Report, UniverseRecord } from "../report/schema.ts";
import { formatSummary } from "./format.ts";

export interface ConsoleSink {
  readonly out: (line: string) => void;
  /** Progress output (stderr); `tty` decides between a redrawn bar and plain periodic lines. */
  readonly progress: (text: string) => void;
  readonly tty: boolean;
}

/** Progress to stderr (a bar on a TTY, plain lines in CI), summary and failures to stdout. */
export class ConsoleReporter implements Reporter {
  private failures = 0;
  private lastPlain = -1;

  constructor(private readonly sink: ConsoleSink) {}

  onStart(_total: number): void {
    // The header (what will run) is the command's: it knows scenarios, seeds and workers.
  }

  onUniverse(record: UniverseRecord, done: number, total: number): void {
    if (record.verdict !== "pass") this.failures++;
    if (this.sink.tty) {
      if (done % 25 === 0 || done === total) {
        const width = 30;
        const filled = Math.round((done / Math.max(total, 1)) * width);
        this.sink.progress(
          `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} failing: ${this.failures}`,
        );
        if (done === total) this.sink.progress("\n");
      }
      return;
    }
    const decile = Math.floor((done / Math.max(total, 1)) * 10);
    if (decile !== this.lastPlain) {
      this.lastPlain = decile;
      this.sink.progress(`progress ${done}/${total} failing: ${this.failures}\n`);
    }
  }

  onEnd(report: Report): void {
    for (const line of formatSummary(report)) this.sink.out(line);
  }
}
