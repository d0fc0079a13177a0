/**
 * Escaping by construction: `html` is a tagged template whose interpolations are escaped
 * unless they are already `Html` (built by `html` itself or, for static markup only, `raw`).
 * Every string taken from a report or a trace goes through here, so a key such as
 * `<script>alert(1)</script>` renders as text, in element content and in attribute values.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Piece = Html | string | number | boolean | null | undefined | readonly Piece[];

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for element content and quoted attribute values alike. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function piece(p: Piece): string {
  if (p === null || p === undefined || p === false) return "";
  if (p instanceof Html) return p.text;
  if (Array.isArray(p)) return (p as readonly Piece[]).map(piece).join("");
  return esc(String(p));
}

export function html(strings: TemplateStringsArray, ...values: readonly Piece[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

/** Static markup written in this module tree (never data). */
export function raw(text: string): Html {
  return new Html(text);
}

export function join(parts: readonly Piece[], sep: Piece = ""): Html {
  const s = piece(sep);
  return new Html(parts.map(piece).join(s));
}
