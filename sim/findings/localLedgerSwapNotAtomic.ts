import type { TraceEvent } from "../../src/world/trace.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const STATE_KEY = "__cluster/state.json";

type Call = Extract<TraceEvent, { t: "call" }>;

/**
 * The local filesystem's ledger swap raced in `events`: two processes' state writes (a plain
 * `put` at `cluster.state.write`, which is how the local-fs emulation of `write_text_if_match`
 * lands; a true conditional put shows as `putIfMatch`), the later one by a process whose last
 * read of the ledger before it came before the earlier one landed. Both compares passed on the
 * same content, and both puts were acknowledged.
 */
export function racedLocalLedgerSwap(events: readonly TraceEvent[]): boolean {
  const lastRead = new Map<number, number>();
  const puts: { pid: number; at: number; read: number }[] = [];
  for (const [i, e] of events.entries()) {
    if (e.t !== "call" || e.key !== STATE_KEY) continue;
    const c = e as Call;
    if (c.op === "get" && c.result === "ok") lastRead.set(c.pid, i);
    if (c.op === "put" && c.step === "cluster.state.write" && c.result === "ok")
      puts.push({ pid: c.pid, at: i, read: lastRead.get(c.pid) ?? -1 });
  }
  return puts.some((later, j) =>
    puts.slice(0, j).some((earlier) => earlier.pid !== later.pid && later.read < earlier.at),
  );
}

export const localLedgerSwapNotAtomic: KnownFinding = {
  id: "F15-local-ledger-swap-not-atomic",
  title:
    "with state.lock false on a local filesystem, two concurrent commands both win the ledger's compare-and-swap",
  summary:
    "`state.lock: false` is a supported cluster setting: plan, apply and approve then skip the state lock and rely on the ledger's compare-and-swap alone (they only warn `state_lock_disabled`). On object stores that swap is a conditional put; on a local filesystem object_store has no conditional update, so the storage adapter emulates it by reading the file, comparing its content hash and then writing, with nothing between the read and the write. Two commands whose state writes overlap therefore both pass the comparison against the same old ledger and both write: both report the state written, the revision advances once, and whatever the first writer recorded (resource statuses, consumed approvals, a recovery roll-forward) is silently replaced by the second. Upstream's own invariants page lists the local check-then-act gap and calls it safe because every caller takes the cluster lock first; with the lock switched off, the ledger writer is exactly the lock-free caller that note warns about.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "with state_lock false, skips acquire_lock (warning state_lock_disabled) and goes on to write the ledger",
    },
    {
      file: "crates/omnigraph-cluster/src/store.rs",
      function: "write_state",
      role: "re-reads the ledger for a version token, checks the caller's expected CAS, then replaces the file through write_text_if_match",
    },
    {
      file: "crates/omnigraph/src/storage.rs",
      function: "write_text_if_match",
      role: "without conditional-update support (LocalFileSystem) gets the file, compares its sha256 with the token and puts: a check-then-act another process can interleave",
    },
  ],
  spec: ["§2.3", "§2.14"],
  scenario: "local-fs-lock-off-lost-write",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "concurrent-writes-serialize" || v.code !== "lost_concurrent_write")
      return false;
    const rec = input.records[v.step];
    if (rec === undefined || rec.desired.stateLock) return false;
    return racedLocalLedgerSwap(input.events.slice(rec.traceFrom, rec.traceTo));
  },
};
