import { parse } from "yaml";
import { type Diagnostic, error } from "../diagnostics.ts";

/**
 * Upstream finds duplicate keys with a line scan before decoding (an indentation-stack
 * heuristic, not a YAML parser), and its findings — including what it cannot see, such as
 * keys inside flow mappings and sequence items — are part of the contract. Reproduced here.
 */
export function duplicateKeyDiagnostics(text: string): Diagnostic[] {
  interface Frame {
    readonly indent: number;
    readonly path: string;
    readonly keys: Set<string>;
  }
  const out: Diagnostic[] = [];
  const stack: Frame[] = [{ indent: -1, path: "", keys: new Set() }];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i] ?? "");
    if (line.trim() === "") continue;
    let indent = 0;
    while (indent < line.length && line[indent] === " ") indent++;
    const trimmed = line.slice(indent);
    if (trimmed.startsWith("-")) continue;
    const colon = trimmed.indexOf(":");
    if (colon < 0) continue;
    const key = trimmed.slice(0, colon).trim();
    const value = trimmed.slice(colon + 1);
    if (key === "" || key.startsWith("{") || key.startsWith("[")) continue;
    while (stack.length > 1 && indent <= (stack[stack.length - 1] as Frame).indent) stack.pop();
    const parent = stack[stack.length - 1] as Frame;
    const fullPath = parent.path === "" ? key : `${parent.path}.${key}`;
    if (parent.keys.has(key)) {
      out.push(
        error("duplicate_yaml_key", fullPath, `duplicate YAML key \`${key}\` on line ${i + 1}`),
      );
    } else {
      parent.keys.add(key);
    }
    if (value.trim() === "") stack.push({ indent, path: fullPath, keys: new Set() });
  }
  return out;
}

/** Rust's `str::lines`: split on `\n`, drop one trailing `\r`, no final empty line. */
function splitLines(text: string): string[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** Cuts a `#` comment that is outside single and double quotes. */
function stripComment(line: string): string {
  let single = false;
  let double = false;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (escaped) {
      escaped = false;
      continue;
    }
    if (ch === "\\" && double) escaped = true;
    else if (ch === "'" && !double) single = !single;
    else if (ch === '"' && !single) double = !double;
    else if (ch === "#" && !single && !double) return line.slice(0, i);
  }
  return line;
}

/** Top-level keys reserved for later cluster-control phases. */
export const FUTURE_PHASE_FIELDS = [
  "apply",
  "env_file",
  "pipelines",
  "embeddings",
  "ui",
  "aliases",
  "bindings",
] as const;

export function futureFieldDiagnostics(text: string): Diagnostic[] {
  let value: unknown;
  try {
    // Upstream reads the text as a generic YAML value, which refuses a duplicate key in any
    // mapping (crates/omnigraph-cluster/src/config.rs `future_field_diagnostics`, serde_yaml
    // 0.9's Mapping), and then reports no reserved field at all.
    value = parse(text, { uniqueKeys: true });
  } catch {
    return [];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const reserved = new Set<string>(FUTURE_PHASE_FIELDS);
  return Object.keys(value)
    .filter((k) => reserved.has(k))
    .map((k) =>
      error("future_phase_field", k, `\`${k}\` is reserved for a later cluster-control phase`),
    );
}
