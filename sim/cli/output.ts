import {
  accessSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TextOut } from "../reporters/json.ts";
import type { Spool } from "../reporters/junit.ts";
import { InputError } from "./InputError.ts";

/** Writes an output file; an unwritable path is bad input (one line, exit 2), not a crash. */
export function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new InputError(
      "output_unwritable",
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}

/**
 * Refuses, before a fleet runs, an output path that cannot be written: its folder missing or
 * read-only, or the path itself a folder. A long run must not end in a lost report.
 */
export function checkWritable(option: string, path: string): void {
  const fail = (why: string) => {
    throw new InputError("output_unwritable", `${option} ${path}: ${why}`);
  };
  let dir: ReturnType<typeof statSync> | undefined;
  try {
    dir = statSync(dirname(path));
  } catch {
    fail("its folder does not exist");
  }
  if (!dir?.isDirectory()) fail("its folder is not a folder");
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch {
    fail("its folder is not writable");
  }
  try {
    if (statSync(path).isDirectory()) fail("it is a folder");
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
}

const unwritable = (path: string, e: unknown) =>
  new InputError(
    "output_unwritable",
    `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
  );

/** Bytes gathered before a write: a record is a few hundred bytes, a write costs a syscall. */
const FLUSH_BYTES = 1 << 16;

/**
 * An output file written piece by piece while the fleet runs (opened, truncated, at the first
 * piece). A failure never stops the fleet: it is kept, later pieces are dropped, and `finish`
 * throws it as bad input (one line; the CLI prints it and the violations still exit 1).
 */
export class OutputFile implements TextOut {
  private fd: number | undefined;
  private error: unknown;
  private pending: Array<string | Uint8Array> = [];
  private pendingBytes = 0;

  constructor(readonly path: string) {}

  write(piece: string | Uint8Array): void {
    if (this.error !== undefined) return;
    this.pending.push(piece);
    this.pendingBytes += typeof piece === "string" ? piece.length : piece.byteLength;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  finish(): void {
    this.flush();
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch (e) {
        this.error ??= e;
      }
      this.fd = undefined;
    }
    if (this.error !== undefined) throw unwritable(this.path, this.error);
  }

  private flush(): void {
    if (this.error !== undefined || this.pending.length === 0) return;
    const bytes = Buffer.concat(
      this.pending.map((p) => (typeof p === "string" ? Buffer.from(p) : p)),
    );
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.fd ??= openSync(this.path, "w");
      for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
    } catch (e) {
      this.error = e;
    }
  }
}

/**
 * A spool in a private folder under the system's temporary one (never among the user's files),
 * removed by `dispose`. For the JUnit report, whose counts precede its testcases.
 */
export class FileSpool implements Spool {
  private dir: string | undefined;
  private out: OutputFile | undefined;
  private error: unknown;

  append(text: string): void {
    if (this.out === undefined && this.error === undefined) {
      try {
        this.dir = mkdtempSync(join(tmpdir(), "omnigraph-sim-spool-"));
        this.out = new OutputFile(join(this.dir, "spool"));
      } catch (e) {
        this.error = e;
      }
    }
    this.out?.write(text);
  }

  read(start: number, end: number, chunk: (bytes: Uint8Array) => void): void {
    if (this.error !== undefined) throw unwritable(tmpdir(), this.error);
    if (this.out === undefined) return;
    this.out.finish();
    const fd = openSync(this.out.path, "r");
    try {
      const buf = Buffer.alloc(FLUSH_BYTES);
      for (let at = start; at < end; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
        if (n === 0) break;
        chunk(Buffer.from(buf.subarray(0, n)));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}
