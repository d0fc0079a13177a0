import { z } from "zod";

/**
 * Renders zod issues in the vocabulary of serde (the upstream decoder), so a stray field
 * reads "unknown field `x`" and an absent one "missing field `x`" whichever format it is in.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (first === undefined) return "invalid value";
  return describeIssue(first);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join(".");
  const prefix = at === "" ? "" : `${at}: `;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return `${prefix}unknown field \`${issue.keys[0] ?? ""}\``;
    case "invalid_type":
      if (input === undefined) {
        const field = issue.path[issue.path.length - 1];
        if (field === undefined) return `invalid type: nothing, expected ${issue.expected}`;
        const parent = issue.path.slice(0, -1).map(String).join(".");
        return `${parent === "" ? "" : `${parent}: `}missing field \`${String(field)}\``;
      }
      return `${prefix}invalid type: ${describeInput(input)}, expected ${issue.expected}`;
    case "invalid_value":
      return `${prefix}unknown variant ${describeInput(input)}, expected one of ${issue.values
        .map((v) => `\`${String(v)}\``)
        .join(", ")}`;
    case "too_small":
    case "too_big":
      return `${prefix}invalid value: ${describeInput(input)}, expected ${
        issue.code === "too_small" ? `>= ${String(issue.minimum)}` : `<= ${String(issue.maximum)}`
      }`;
    default:
      return `${prefix}${issue.message}`;
  }
}

function describeInput(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a sequence";
  switch (typeof v) {
    case "string":
      return `string ${JSON.stringify(v)}`;
    case "number":
      return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
    case "boolean":
      return `boolean \`${v}\``;
    case "object":
      return "a map";
    default:
      return String(v);
  }
}

/** A non-negative integer that fits serde's u32. */
export const u32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

/** A non-negative integer (serde's u64, within JavaScript's safe range). */
export const u64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * A JSON object read as a string-keyed Map. zod's record drops a `__proto__` key and plain
 * objects would turn it into a prototype write; upstream maps keep every key, so do we.
 */
export function zMap<T extends z.ZodType>(value: T) {
  return z
    .custom<Record<string, unknown>>(
      (v) => typeof v === "object" && v !== null && !Array.isArray(v),
      { message: "expected a map" },
    )
    .transform((obj, ctx) => {
      const out = new Map<string, z.output<T>>();
      for (const [k, v] of Object.entries(obj)) {
        const r = value.safeParse(v, { reportInput: true });
        if (!r.success) {
          for (const issue of r.error.issues) {
            ctx.issues.push({ ...issue, path: [k, ...issue.path] } as never);
          }
          return z.NEVER;
        }
        out.set(k, r.data);
      }
      return out;
    });
}

/** Map entries sorted by key: the order upstream's BTreeMaps iterate and serialise in. */
export function sortedEntries<V>(m: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A sorted plain object from a Map, safe for any key (including `__proto__`). */
export function sortedObject<V, O = V>(
  m: ReadonlyMap<string, V>,
  f?: (v: V) => O,
): Record<string, O> {
  return Object.fromEntries(
    sortedEntries(m).map(([k, v]) => [k, f ? f(v) : (v as unknown as O)]),
  ) as Record<string, O>;
}
