/** Pretty JSON followed by one newline: how state, sidecars and approvals are written. */
export function prettyJsonLine(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Pretty JSON without the trailing newline (the lock file). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Parses JSON without throwing: data first. */
export function tryParseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `obj` with keys in sorted order (recursively), for canonical comparisons. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort())
      out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
