/**
 * Content-keyed memos of pure functions: the one kind of module-level state src/ allows.
 *
 * A memo maps an input text (the content itself, never an identity or a counter) to what a
 * deterministic function computes from it, and hands out that value deeply frozen, so no
 * caller can change what the next caller sees. It is never observable: a hit returns a value
 * equal to what a fresh call would have returned, so a cache never changes what a seed does;
 * only how long it takes. Each memo is bounded (it forgets everything when full), so memory
 * stays flat however many universes one process runs.
 */

function refuse(): never {
  throw new TypeError("a memoized value is immutable");
}

/**
 * Freezes `value` and everything reachable from it. Maps and Sets get their mutators
 * replaced by a function that throws, then are frozen too.
 */
export function deepFreeze<T>(value: T): T {
  freeze(value);
  return value;
}

function freeze(v: unknown): void {
  if (v === null || typeof v !== "object" || Object.isFrozen(v)) return;
  if (Array.isArray(v)) {
    for (const x of v) freeze(x);
    Object.freeze(v);
    return;
  }
  if (ArrayBuffer.isView(v)) return; // typed arrays cannot be frozen; never memoized as such
  if (v instanceof Map) {
    for (const [k, x] of v) {
      freeze(k);
      freeze(x);
    }
    Object.defineProperties(v, {
      set: { value: refuse },
      delete: { value: refuse },
      clear: { value: refuse },
    });
  } else if (v instanceof Set) {
    for (const x of v) freeze(x);
    Object.defineProperties(v, {
      add: { value: refuse },
      delete: { value: refuse },
      clear: { value: refuse },
    });
  } else {
    for (const k of Reflect.ownKeys(v)) freeze((v as Record<PropertyKey, unknown>)[k]);
  }
  Object.freeze(v);
}

/** How many entries a memo keeps before it starts over. */
export const DEFAULT_MEMO_ENTRIES = 4096;

/** Texts longer than this are computed, not remembered (they would dominate the memory). */
export const MAX_MEMO_KEY_CHARS = 1 << 16;

/** The most key text one memo holds at once. */
export const MAX_MEMO_TOTAL_CHARS = 1 << 22;

/**
 * The storage behind a text-keyed memo: bounded by entries and by key text, forgetting
 * everything when full. Holds only values the caller guarantees immutable.
 */
export class TextKeyedCache<V> {
  private readonly map = new Map<string, V>();
  private chars = 0;

  constructor(private readonly entries: number = DEFAULT_MEMO_ENTRIES) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    if (key.length > MAX_MEMO_KEY_CHARS) return;
    if (this.map.size >= this.entries || this.chars + key.length > MAX_MEMO_TOTAL_CHARS) {
      this.map.clear();
      this.chars = 0;
    }
    this.map.set(key, value);
    this.chars += key.length;
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.chars -= key.length;
  }
}

/**
 * Memoizes `fn` by its text argument. Results are deeply frozen (`freeze: false` for results
 * that are immutable already, such as strings).
 */
export function memoByText<R>(
  fn: (text: string) => R,
  opts: { readonly entries?: number; readonly freeze?: boolean } = {},
): (text: string) => R {
  const doFreeze = opts.freeze ?? true;
  const cache = new TextKeyedCache<R>(opts.entries);
  return (text: string): R => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as R;
    const value = doFreeze ? deepFreeze(fn(text)) : fn(text);
    cache.set(text, value);
    return value;
  };
}

/**
 * Memoizes `fn` by an object argument that is itself a memoized (frozen, content-derived)
 * value, plus a text: e.g. a type-check of a parsed query against a compiled schema. Held
 * weakly, so it lives exactly as long as its key does.
 */
export function memoByObject<K extends object, R>(
  fn: (key: K) => R,
  opts: { readonly freeze?: boolean } = {},
): (key: K) => R {
  const doFreeze = opts.freeze ?? true;
  const cache = new WeakMap<K, { readonly v: R }>();
  return (key: K): R => {
    // Only frozen keys are stable: a mutable key could change under a remembered value.
    if (!Object.isFrozen(key)) return fn(key);
    const hit = cache.get(key);
    if (hit !== undefined) return hit.v;
    const v = doFreeze ? deepFreeze(fn(key)) : fn(key);
    cache.set(key, { v });
    return v;
  };
}
