/** A diagnostic pinned to a place in a source text (1-based line and column). */
export interface PositionedError {
  readonly line: number;
  readonly column: number;
  /** 0-based UTF-16 offset into the source. */
  readonly offset: number;
  readonly message: string;
}

/**
 * Thrown inside a parser to unwind to its entry point, which turns it into data. It never
 * leaves a parser: the public parse functions do not throw.
 */
export class ParseFailure extends Error {
  constructor(
    readonly offset: number,
    readonly detail: string,
    /** Syntax failures carry their position in the text; semantic ones read as upstream's. */
    readonly kind: "syntax" | "semantic" = "syntax",
  ) {
    super(detail);
    this.name = "ParseFailure";
  }
}

export function positionOf(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

export function positioned(source: string, offset: number, message: string): PositionedError {
  const { line, column } = positionOf(source, offset);
  return { line, column, offset, message };
}

const WORD_CHAR = /[A-Za-z0-9_]/;

/**
 * A scanner the recursive-descent parsers drive directly: both languages share the lexical
 * rules (whitespace, `//` and `/* *\/` comments, words, numbers, string literals), while a
 * parser can still read context-specific tokens such as enum values.
 */
export class Cursor {
  pos = 0;

  constructor(readonly src: string) {}

  fail(detail: string, at: number = this.pos): never {
    throw new ParseFailure(at, detail);
  }

  failSemantic(detail: string, at: number = this.pos): never {
    throw new ParseFailure(at, detail, "semantic");
  }

  /** Fails with an "expected …" message describing what was found instead. */
  expected(what: string): never {
    this.skipTrivia();
    this.fail(`expected ${what}, found ${this.describeHere()}`);
  }

  describeHere(): string {
    if (this.pos >= this.src.length) return "end of input";
    const word = /^[A-Za-z0-9_$]+/.exec(this.src.slice(this.pos));
    if (word) return `'${word[0]}'`;
    return `'${this.src[this.pos]}'`;
  }

  skipTrivia(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === " " || c === "\t" || c === "\r" || c === "\n") {
        this.pos++;
      } else if (c === "/" && this.src[this.pos + 1] === "/") {
        while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
      } else if (c === "/" && this.src[this.pos + 1] === "*") {
        const end = this.src.indexOf("*/", this.pos + 2);
        if (end < 0) this.fail("unterminated block comment");
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  atEnd(): boolean {
    this.skipTrivia();
    return this.pos >= this.src.length;
  }

  peekPunct(p: string): boolean {
    this.skipTrivia();
    return this.src.startsWith(p, this.pos);
  }

  tryPunct(p: string): boolean {
    if (!this.peekPunct(p)) return false;
    this.pos += p.length;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.tryPunct(p)) this.expected(`'${p}'`);
  }

  /** The next word (letters, digits, `_`) without consuming it, or null. */
  peekWord(): string | null {
    this.skipTrivia();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos, this.pos + 256));
    return m ? m[0] : null;
  }

  /** Consumes `kw` only when it is a whole word. */
  tryKeyword(kw: string): boolean {
    this.skipTrivia();
    if (!this.src.startsWith(kw, this.pos)) return false;
    const next = this.src[this.pos + kw.length];
    if (next !== undefined && WORD_CHAR.test(next)) return false;
    this.pos += kw.length;
    return true;
  }

  expectKeyword(kw: string): void {
    if (!this.tryKeyword(kw)) this.expected(`'${kw}'`);
  }

  /** `[A-Z][A-Za-z0-9_]*` */
  typeName(): string {
    this.skipTrivia();
    const m = /^[A-Z][A-Za-z0-9_]*/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) this.expected("a type name (starting with an uppercase letter)");
    this.pos += m[0].length;
    return m[0];
  }

  /** `[a-z_][A-Za-z0-9_]*` */
  ident(what = "an identifier (starting with a lowercase letter or '_')"): string {
    this.skipTrivia();
    const m = /^[a-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) this.expected(what);
    this.pos += m[0].length;
    return m[0];
  }

  peekIdent(): boolean {
    this.skipTrivia();
    const c = this.src[this.pos];
    return c !== undefined && /[a-z_]/.test(c);
  }

  peekTypeName(): boolean {
    this.skipTrivia();
    const c = this.src[this.pos];
    return c !== undefined && /[A-Z]/.test(c);
  }

  /** Unsigned decimal digits. */
  integerText(): string {
    this.skipTrivia();
    const m = /^[0-9]+/.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.expected("an integer");
    this.pos += m[0].length;
    return m[0];
  }

  peekDigit(): boolean {
    this.skipTrivia();
    const c = this.src[this.pos];
    return c !== undefined && c >= "0" && c <= "9";
  }

  /** An optionally signed integer or `digits.digits` float, as text. */
  tryNumberText(allowSign: boolean): string | null {
    this.skipTrivia();
    const re = allowSign ? /^-?[0-9]+(\.[0-9]+)?/ : /^[0-9]+(\.[0-9]+)?/;
    const m = re.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) return null;
    // `1..5` is a range of integers, not the float `1.` followed by `.5`.
    this.pos += m[0].length;
    return m[0];
  }

  /** A double-quoted string literal; returns the decoded value. */
  stringLit(): string {
    this.skipTrivia();
    const start = this.pos;
    if (this.src[this.pos] !== '"') this.expected("a string literal");
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) this.fail("unterminated string literal", start);
      this.pos++;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.src[this.pos];
      if (e === undefined) this.fail("unterminated escape sequence", this.pos - 1);
      this.pos++;
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        default:
          this.failSemantic(`unsupported escape sequence: \\${e}`, this.pos - 2);
      }
    }
  }

  peekString(): boolean {
    this.skipTrivia();
    return this.src[this.pos] === '"';
  }

  /** Consumes a token matching `re` (anchored at the cursor) or fails with `what`. */
  pattern(re: RegExp, what: string): string {
    this.skipTrivia();
    const m = re.exec(this.src.slice(this.pos, this.pos + 256));
    if (m?.index !== 0) this.expected(what);
    this.pos += m[0].length;
    return m[0];
  }
}

/** Runs a parser body, turning its ParseFailure into a positioned, prefixed diagnostic. */
export function runParser<T>(
  source: string,
  body: (c: Cursor) => T,
): { ok: true; value: T } | { ok: false; error: PositionedError } {
  const c = new Cursor(source);
  try {
    return { ok: true, value: body(c) };
  } catch (e) {
    if (e instanceof ParseFailure) {
      const { line, column } = positionOf(source, e.offset);
      return {
        ok: false,
        error: {
          line,
          column,
          offset: e.offset,
          message:
            e.kind === "syntax"
              ? `parse error: --> ${line}:${column}: ${e.detail}`
              : `parse error: ${e.detail}`,
        },
      };
    }
    throw e;
  }
}
