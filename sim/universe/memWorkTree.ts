import { posix } from "node:path";
import { decodeUtf8, type WorkTree } from "../../src/cluster/worktree.ts";

/** An error shaped like node's and memfs's (`code`, and the same message wording). */
function fsError(code: string, text: string, syscall: string, path?: string): Error {
  const e = new Error(`${code}: ${text}, ${syscall}${path === undefined ? "" : ` '${path}'`}`);
  Object.assign(e, { code, syscall, ...(path === undefined ? {} : { path }) });
  return e;
}

/**
 * The operator's working tree as the simulator keeps it: a map from absolute path to text.
 * It answers exactly as `fsWorkTree` over a memfs volume holding the same files would (the
 * same results, the same error codes and messages), without a file system's bookkeeping;
 * each universe owns one.
 */
export class MemWorkTree implements WorkTree {
  /** Text, or bytes for a file whose content is not UTF-8. */
  private readonly files = new Map<string, string | Uint8Array>();
  private readonly dirs = new Set<string>(["/"]);
  /** Every directory and file with its text: equal keys, equal trees (see WorkTree). */
  contentKey = "";

  /** Removes `dir` and everything under it, then writes `files` (relative paths) into it. */
  replaceDir(dir: string, files: Iterable<readonly [string, string | Uint8Array]>): void {
    const root = abs(dir);
    const under = `${root}/`;
    for (const k of [...this.files.keys()]) if (k.startsWith(under)) this.files.delete(k);
    for (const d of [...this.dirs]) if (d === root || d.startsWith(under)) this.dirs.delete(d);
    this.mkdirs(root);
    for (const [rel, text] of files) {
      const p = abs(`${root}/${rel}`);
      this.mkdirs(posix.dirname(p));
      this.files.set(p, text);
    }
    const parts: string[] = [...this.dirs].sort();
    for (const k of [...this.files.keys()].sort()) {
      const content = this.files.get(k) as string | Uint8Array;
      // Bytes are keyed apart from any text (a NUL cannot end a path, \u0001 marks bytes).
      parts.push(
        k,
        typeof content === "string" ? content : `\u0001${Buffer.from(content).toString("hex")}`,
      );
    }
    this.contentKey = parts.join("\0");
  }

  private mkdirs(dir: string): void {
    for (let d = dir; !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
  }

  /** Why `path` cannot be opened as a file (memfs's checks, in its order), or null. */
  private openError(path: string, syscall: "open" | "scandir"): Error | null {
    const p = abs(path);
    for (let d = posix.dirname(p); d !== "/"; d = posix.dirname(d)) {
      if (this.files.has(d)) return fsError("ENOTDIR", "not a directory", syscall, path);
    }
    if (!this.files.has(p) && !this.dirs.has(p))
      return fsError("ENOENT", "no such file or directory", syscall, path);
    return null;
  }

  private content(path: string): string | Uint8Array {
    const bad = this.openError(path, "open");
    if (bad !== null) throw bad;
    const t = this.files.get(abs(path));
    if (t === undefined) throw fsError("EISDIR", "illegal operation on a directory", "read");
    if (path.endsWith("/")) throw fsError("ENOTDIR", "not a directory", "open", path);
    return t;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const c = this.content(path);
    return typeof c === "string" ? new TextEncoder().encode(c) : c.slice();
  }

  async readText(path: string): Promise<string> {
    const t = this.content(path);
    if (typeof t !== "string") return decodeUtf8(t);
    // What a UTF-8 round trip through the file system gives (lone surrogates become U+FFFD).
    return LONE_SURROGATE.test(t) ? decodeUtf8(new TextEncoder().encode(t)) : t;
  }

  async exists(path: string): Promise<boolean> {
    return this.openError(path, "open") === null;
  }

  async isDirectory(path: string): Promise<boolean> {
    return this.openError(path, "open") === null && this.dirs.has(abs(path));
  }

  async readdir(path: string): Promise<string[]> {
    const bad = this.openError(path, "scandir");
    if (bad !== null) throw bad;
    const p = abs(path);
    if (!this.dirs.has(p)) throw fsError("ENOTDIR", "not a directory", "scandir", path);
    const prefix = p === "/" ? "/" : `${p}/`;
    const names = new Set<string>();
    for (const k of [...this.files.keys(), ...this.dirs]) {
      if (!k.startsWith(prefix) || k === p) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      names.add(slash < 0 ? rest : rest.slice(0, slash));
    }
    return [...names].sort();
  }
}

/** In unicode mode a paired surrogate is one code point, so this finds only lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Already absolute and normal: no `.` or `..` segment, no empty one, no trailing slash. */
const SIMPLE = /^(\/(?!\.\.?(\/|$))[^/]+)+$/;

/** Absolute and normalised, as memfs resolves a path (relative ones against the cwd). */
function abs(path: string): string {
  if (SIMPLE.test(path)) return path;
  const r = posix.resolve(process.cwd(), path);
  return r.length > 1 && r.endsWith("/") ? r.slice(0, -1) : r;
}
