import { describe, expect, it } from "vitest";
import { main } from "../../sim/cli/main.ts";
import type { ReportEnd, UniverseRecord } from "../../sim/report/schema.ts";
import {
  ConsoleReporter,
  formatDuration,
  PLAIN_EVERY_MS,
  progressText,
  ttyLine,
} from "../../sim/reporters/ConsoleReporter.ts";

const record = (verdict: UniverseRecord["verdict"]) => ({ verdict }) as UniverseRecord;

/** A reporter on a clock the test moves, and everything it wrote to stderr. */
function harness(tty: boolean, columns?: number, maxFailures = 0) {
  let t = 0;
  const writes: string[] = [];
  const out: string[] = [];
  const reporter = new ConsoleReporter(
    {
      out: (line) => {
        out.push(line);
        writes.push(`stdout:${line}`);
      },
      progress: (text) => writes.push(text),
      tty,
      now: () => t,
      ...(columns !== undefined ? { columns: () => columns } : {}),
    },
    maxFailures,
  );
  return {
    writes,
    out,
    reporter,
    at: (ms: number) => {
      t = ms;
    },
  };
}

/** What a terminal shows of a redrawn frame: no \r, no erase-line, no newline. */
const visible = (frame: string) => frame.replace(/^\r/, "").replace("\x1b[K", "").replace("\n", "");

describe("the progress line", () => {
  it("reports done/total, failing, rate, elapsed and ETA", () => {
    expect(progressText({ done: 100, total: 1000, failing: 3, elapsedMs: 1000 })).toBe(
      "100/1000 universes (10%) | failing 3 | 100/s | elapsed 0:01 | ETA 0:09",
    );
    expect(progressText({ done: 7, total: 7, failing: 0, elapsedMs: 2000 })).toBe(
      "7/7 universes (100%) | failing 0 | 3.5/s | elapsed 0:02 | done",
    );
    expect(progressText({ done: 1, total: 9, failing: 0, elapsedMs: 0 })).toContain("ETA --");
    expect(progressText({ done: 1, total: 9, failing: 0 })).toBe("1/9 universes (11%) | failing 0");
    expect(formatDuration(3_700_000)).toBe("1:01:40");
  });

  it("on a TTY: redrawn in place at most every 100 ms, cut to the terminal's width", () => {
    const h = harness(true, 40);
    h.reporter.onStart(1000);
    for (let done = 1; done <= 1000; done++) {
      h.at(done * 10);
      h.reporter.onUniverse(record(done % 100 === 0 ? "fail" : "pass"), done, 1000);
    }
    // Universes every 10 ms, a frame every 100 ms: the first, one in ten after it, the last.
    expect(h.writes.length).toBe(101);
    for (const w of h.writes) {
      expect(w.startsWith("\r")).toBe(true);
      expect(visible(w).length).toBeLessThanOrEqual(39);
    }
    // The figures that fit whole: 100/s would take the line past 39 columns.
    expect(visible(h.writes[10] as string)).toBe("101/1000 universes (10%) | failing 1");
    expect(h.writes.at(-1)?.endsWith("\x1b[K\n")).toBe(true);
    expect(h.writes.slice(0, -1).every((w) => !w.includes("\n"))).toBe(true);
  });

  it("a failure found mid-run prints at once, off the TTY's line, which is then redrawn", () => {
    const h = harness(true, 80, 1);
    h.reporter.onStart(10);
    const failing = {
      ...record("fail"),
      scenario: "trap",
      seed: 3,
      defects: [],
      violations: [],
      known: [],
      replay: "pnpm sim replay --scenario trap --seed 3",
      traceHash: "abc",
    } as UniverseRecord;
    h.at(0);
    h.reporter.onUniverse(record("pass"), 1, 10);
    h.at(10);
    h.reporter.onUniverse(failing, 2, 10);
    h.at(20);
    h.reporter.onUniverse({ ...failing, seed: 4 }, 3, 10);
    expect(h.writes[0]?.startsWith("\r")).toBe(true);
    // The line is erased, the failure printed on stdout, the line drawn again at once.
    expect(h.writes[1]).toBe("\r\x1b[K");
    expect(h.writes[2]).toBe("stdout:FAIL trap seed 3");
    expect(h.out).toContain("  replay: pnpm sim replay --scenario trap --seed 3");
    expect(visible(h.writes.at(-1) as string)).toContain("2/10 universes (20%) | failing 1");
    // Past the first maxFailures, failures are counted, not printed.
    expect(h.out.some((l) => l.includes("seed 4"))).toBe(false);
    // An interrupted run's open line is ended before the summary.
    h.reporter.onEnd({
      summary: {
        universes: 3,
        passed: 1,
        failed: 2,
        crashed: 0,
        violations: 0,
        violationsByOracle: {},
        knownFindings: {},
        scenarios: ["trap"],
        seeds: { from: 2, to: 4 },
        elapsedMs: 20,
        universesPerSecond: 150,
        stoppedByTimeLimit: false,
        interrupted: "SIGINT",
      },
    } as ReportEnd);
    const end = h.writes.findIndex((w) => w === "\n");
    expect(end).toBeGreaterThan(2);
    expect(h.writes[end + 1]).toBe("stdout:... and 1 more failing universes (see --json)");
  });

  it("on a wide TTY, with a bar in front", () => {
    const line = ttyLine({ done: 500, total: 1000, failing: 0, elapsedMs: 5000 }, 120);
    expect(line).toBe(
      `[${"#".repeat(15)}${".".repeat(15)}] 500/1000 universes (50%) | failing 0 | 100/s | elapsed 0:05 | ETA 0:05`,
    );
    expect(line.length).toBeLessThan(120);
  });

  it("without a TTY: a plain line at every tenth of the run, and at least once a minute", () => {
    const h = harness(false);
    h.reporter.onStart(100);
    for (let done = 1; done <= 100; done++) {
      // A stall of two minutes in the middle of one tenth.
      h.at(done * 10 + (done > 55 ? 2 * PLAIN_EVERY_MS : 0));
      h.reporter.onUniverse(record("pass"), done, 100);
    }
    expect(h.writes.every((w) => w.startsWith("progress ") && w.endsWith("\n"))).toBe(true);
    expect(h.writes.map((w) => /^progress (\d+)\//.exec(w)?.[1])).toEqual([
      "1",
      "10",
      "20",
      "30",
      "40",
      "50",
      "56",
      "60",
      "70",
      "80",
      "90",
      "100",
    ]);
    expect(h.writes[1]).toBe(
      "progress 10/100 universes (10%) | failing 0 | 100/s | elapsed 0:00 | ETA 0:01\n",
    );
  });

  it("is what `pnpm sim` draws on a narrow terminal, after the header", async () => {
    let t = 0;
    let err = "";
    const code = await main(["--scenario", "trap", "--seeds", "30", "--shrink", "0"], {
      out: () => {},
      err: (text) => {
        err += text;
      },
      tty: true,
      now: () => {
        t += 50;
        return t;
      },
      columns: () => 32,
    });
    expect(code).toBe(0);
    const [header, ...frames] = err.split(/(?=\r)/);
    expect(header).toBe("running 1 scenario x 30 seeds = 30 universes on 1 worker\n");
    // The clock moves 50 ms a reading: a frame every other universe, and the last.
    expect(frames.length).toBe(16);
    for (const f of frames) expect(visible(f).length).toBeLessThanOrEqual(31);
    expect(visible(frames.at(-1) as string)).toBe("30/30 universes (100%)");
  });
});
