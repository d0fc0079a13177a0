import { createHash } from "node:crypto";
import {
  checkKey,
  normalizeDir,
  type ObjectStore,
  StoreError,
  type Versioned,
} from "./ObjectStore.ts";

/** The subset of `fs.promises` the store needs; `node:fs/promises` and memfs both provide it. */
export interface FsPromisesLike {
  readFile(path: string, encoding: "utf8"): Promise<string | Buffer>;
  writeFile(
    path: string,
    data: string,
    options?: { encoding?: "utf8"; flag?: string },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  readdir(path: string): Promise<unknown[]>;
  stat(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean }>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

/**
 * An object store over a directory, like upstream's local backend: the token is the sha256
 * of the content, and putIfMatch is compare-then-replace (not a cross-process barrier).
 * Directories exist on their own, so `exists` is true for an empty directory too.
 */
export class FsStore implements ObjectStore {
  private tmpCounter = 0;

  constructor(
    private readonly fs: FsPromisesLike,
    private readonly root: string,
  ) {}

  private path(key: string): string {
    return key === "" ? this.root : `${this.root}/${key}`;
  }

  private async readText(key: string): Promise<string | null> {
    try {
      const data = await this.fs.readFile(this.path(key), "utf8");
      return typeof data === "string" ? data : data.toString("utf8");
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
      throw new StoreError("io", key, `read '${key}' failed: ${String(e)}`);
    }
  }

  private async ensureParent(key: string): Promise<void> {
    const slash = key.lastIndexOf("/");
    if (slash > 0) await this.fs.mkdir(this.path(key.slice(0, slash)), { recursive: true });
  }

  private async atomicWrite(key: string, text: string): Promise<void> {
    await this.ensureParent(key);
    // Write aside then rename, so readers see the old or the new object, never a torn one.
    const tmp = `${this.path(key)}.tmp-${this.tmpCounter++}`;
    await this.fs.writeFile(tmp, text, { encoding: "utf8" });
    await this.fs.rename(tmp, this.path(key));
  }

  async get(key: string): Promise<Versioned | null> {
    const text = await this.readText(key);
    return text === null ? null : { text, token: sha256(text) };
  }

  async put(key: string, text: string): Promise<string> {
    checkKey(key);
    await this.atomicWrite(key, text);
    return sha256(text);
  }

  async putIfAbsent(key: string, text: string): Promise<boolean> {
    checkKey(key);
    await this.ensureParent(key);
    try {
      await this.fs.writeFile(this.path(key), text, { encoding: "utf8", flag: "wx" });
      return true;
    } catch (e) {
      if (errCode(e) === "EEXIST") return false;
      throw new StoreError("io", key, `create '${key}' failed: ${String(e)}`);
    }
  }

  async putIfMatch(key: string, text: string, token: string): Promise<string | null> {
    checkKey(key);
    const cur = await this.readText(key);
    if (cur === null || sha256(cur) !== token) return null;
    await this.atomicWrite(key, text);
    return sha256(text);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.fs.unlink(this.path(key));
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR") return;
      if (code === "EISDIR" || code === "EPERM") return;
      throw new StoreError("io", key, `delete '${key}' failed: ${String(e)}`);
    }
  }

  async list(dir: string): Promise<string[]> {
    const d = normalizeDir(dir);
    try {
      const entries = await this.fs.readdir(this.path(d));
      return entries
        .map((e) => String(e))
        .filter((n) => !n.includes(".tmp-"))
        .sort();
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw new StoreError("io", d, `list '${d}' failed: ${String(e)}`);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    await this.fs.rm(this.path(p), { recursive: true, force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.fs.stat(this.path(normalizeDir(key)));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One `rename`, as LocalFileSystem does it: when it fails for a missing path and the source
   * is there, the destination's parents are created and it is tried again; a missing source
   * creates nothing.
   */
  async rename(from: string, to: string): Promise<void> {
    checkKey(to);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fs.rename(this.path(from), this.path(to));
        return;
      } catch (e) {
        if (errCode(e) !== "ENOENT")
          throw new StoreError("io", from, `rename '${from}' failed: ${String(e)}`);
        if (attempt > 0 || (await this.readText(from)) === null)
          throw new StoreError("not_found", from, `rename source '${from}' does not exist`);
        await this.ensureParent(to);
      }
    }
  }
}
