import {
  checkKey,
  normalizeDir,
  type ObjectStore,
  StoreError,
  type Versioned,
} from "./ObjectStore.ts";

interface Entry {
  text: string;
  token: string;
}

/**
 * An in-memory object store with S3-like semantics: etags are per-store version counters,
 * so two stores fed the same calls hand out the same tokens.
 */
export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, Entry>();
  private nextEtag = 1;

  private mint(): string {
    return `e${this.nextEtag++}`;
  }

  async get(key: string): Promise<Versioned | null> {
    return this.getSync(key);
  }

  getSync(key: string): Versioned | null {
    const e = this.objects.get(key);
    return e ? { text: e.text, token: e.token } : null;
  }

  async put(key: string, text: string): Promise<string> {
    checkKey(key);
    const token = this.mint();
    this.objects.set(key, { text, token });
    return token;
  }

  async putIfAbsent(key: string, text: string): Promise<boolean> {
    checkKey(key);
    if (this.objects.has(key)) return false;
    this.objects.set(key, { text, token: this.mint() });
    return true;
  }

  async putIfMatch(key: string, text: string, token: string): Promise<string | null> {
    checkKey(key);
    const cur = this.objects.get(key);
    if (!cur || cur.token !== token) return null;
    const next = this.mint();
    this.objects.set(key, { text, token: next });
    return next;
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(dir: string): Promise<string[]> {
    const prefix = `${normalizeDir(dir)}/`;
    const names = new Set<string>();
    for (const k of this.objects.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      names.add(slash < 0 ? rest : rest.slice(0, slash));
    }
    return [...names].sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    const p = normalizeDir(prefix);
    for (const k of [...this.objects.keys()]) {
      if (k === p || k.startsWith(`${p}/`)) this.objects.delete(k);
    }
  }

  async exists(key: string): Promise<boolean> {
    if (this.objects.has(key)) return true;
    const prefix = `${normalizeDir(key)}/`;
    for (const k of this.objects.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  async rename(from: string, to: string): Promise<void> {
    checkKey(to);
    const e = this.objects.get(from);
    if (!e) throw new StoreError("not_found", from, `rename source '${from}' does not exist`);
    this.objects.delete(from);
    this.objects.set(to, { text: e.text, token: this.mint() });
  }

  /** An independent copy (objects and etag counter): a snapshot a harness can open and poke. */
  clone(): MemoryStore {
    const c = new MemoryStore();
    for (const [k, e] of this.objects) c.objects.set(k, { ...e });
    c.nextEtag = this.nextEtag;
    return c;
  }

  /** Every object, sorted by key: for snapshots, hashing and oracles. */
  dump(): Array<[string, string]> {
    return [...this.objects.entries()]
      .map(([k, e]): [string, string] => [k, e.text])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  get size(): number {
    return this.objects.size;
  }
}
