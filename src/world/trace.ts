import { createHash } from "node:crypto";
import type { FaultKind } from "./faultKinds.ts";

/**
 * One event of a universe's life. Compact on purpose: a universe records thousands.
 * `pid` is the process number within the world (0 = the harness itself).
 */
export type TraceEvent =
  | { readonly t: "spawn"; readonly pid: number; readonly name: string }
  | { readonly t: "death"; readonly pid: number; readonly cause: string }
  | {
      readonly t: "call";
      readonly pid: number;
      readonly op: string;
      readonly key: string;
      readonly step?: string;
      readonly result: string;
    }
  | { readonly t: "fp"; readonly pid: number; readonly name: string; readonly action: string }
  /** A store call left open by a step that had ended (a floating promise, Process.endRun). */
  | {
      readonly t: "float";
      readonly pid: number;
      readonly op: string;
      readonly key: string;
      readonly step?: string;
      readonly why: string;
    }
  | { readonly t: "op"; readonly actor: string; readonly name: string; readonly detail?: string }
  | {
      readonly t: "result";
      readonly actor: string;
      readonly name: string;
      readonly outcome: string;
    }
  | { readonly t: "fault"; readonly pid: number; readonly kind: FaultKind; readonly key: string }
  | { readonly t: "turn"; readonly actor: string }
  | { readonly t: "note"; readonly text: string }
  | {
      readonly t: "verdict";
      readonly oracle: string;
      readonly code: string;
      readonly detail: string;
    };

export function formatEvent(e: TraceEvent): string {
  switch (e.t) {
    case "spawn":
      return `spawn   p${e.pid} ${e.name}`;
    case "death":
      return `death   p${e.pid} ${e.cause}`;
    case "call":
      return `call    p${e.pid} ${e.op} ${e.key}${e.step ? ` [${e.step}]` : ""} -> ${e.result}`;
    case "fp":
      return `fp      p${e.pid} ${e.name} ${e.action}`;
    case "float":
      return `float   p${e.pid} ${e.op} ${e.key}${e.step ? ` [${e.step}]` : ""} ${e.why}`;
    case "op":
      return `op      ${e.actor} ${e.name}${e.detail ? ` ${e.detail}` : ""}`;
    case "result":
      return `result  ${e.actor} ${e.name} ${e.outcome}`;
    case "fault":
      return `fault   p${e.pid} ${e.kind} ${e.key}`;
    case "turn":
      return `turn    ${e.actor}`;
    case "note":
      return `note    ${e.text}`;
    case "verdict":
      return `verdict ${e.oracle} ${e.code} ${e.detail}`;
  }
}

/**
 * The ordered record of a universe. The hash chains every event's canonical line, so two runs
 * have the same hash iff they produced the same events in the same order.
 */
export class Trace {
  readonly events: TraceEvent[] = [];

  constructor(readonly enabled: boolean = true) {}

  push(e: TraceEvent): void {
    if (this.enabled) this.events.push(e);
  }

  hash(): string {
    const h = createHash("sha256");
    // The same bytes as one update per line ("line\n"), fed in batches: far fewer calls.
    const batch: string[] = [];
    for (const e of this.events) {
      batch.push(formatEvent(e));
      if (batch.length === 256) {
        h.update(`${batch.join("\n")}\n`);
        batch.length = 0;
      }
    }
    if (batch.length > 0) h.update(`${batch.join("\n")}\n`);
    return h.digest("hex").slice(0, 16);
  }

  lines(): string[] {
    return this.events.map(formatEvent);
  }
}
