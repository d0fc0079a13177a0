import { memoByText } from "../../util/memo.ts";
import { type Cursor, ParseFailure, type PositionedError, runParser } from "../lang/cursor.ts";
import type {
  AggFunc,
  Assignment,
  Clause,
  CompOp,
  Expr,
  Literal,
  MatchValue,
  Mutation,
  Ordering,
  Param,
  Predicate,
  Projection,
  QueryAst,
} from "./ast.ts";

export type QueryParse =
  | { readonly ok: true; readonly queries: readonly QueryAst[] }
  | { readonly ok: false; readonly error: PositionedError };

/** Parses a `.gq` file (any number of `query` declarations). Never throws. Memoized by text. */
export function parseQueries(source: string): QueryParse {
  return parseQueriesText(source);
}

const parseQueriesText = memoByText((source: string): QueryParse => {
  const r = runParser(source, (c) => {
    const queries: QueryAst[] = [];
    while (!c.atEnd()) queries.push(parseQueryDecl(c));
    return queries;
  });
  return r.ok ? { ok: true, queries: r.value } : { ok: false, error: r.error };
});

const BASE_TYPES = /^(String|Blob|Bool|I32|I64|U32|U64|F32|F64|DateTime|Date)\b/;
const UNSUPPORTED_CALLS = ["nearest", "search", "fuzzy", "match_text", "bm25", "rrf"];
const AGG_FUNCS: readonly AggFunc[] = ["count", "sum", "avg", "min", "max"];

function parseQueryDecl(c: Cursor): QueryAst {
  c.skipTrivia();
  const offset = c.pos;
  c.expectKeyword("query");
  const name = c.ident("a query name");
  c.expectPunct("(");
  const params: Param[] = [];
  if (!c.tryPunct(")")) {
    params.push(parseParam(c));
    while (c.tryPunct(",")) params.push(parseParam(c));
    c.expectPunct(")");
  }
  let description: string | null = null;
  let instruction: string | null = null;
  while (c.peekPunct("@")) {
    const at = c.pos;
    const which = c.pattern(/^@(description|instruction)\b/, "'@description' or '@instruction'");
    c.expectPunct("(");
    const value = c.stringLit();
    c.expectPunct(")");
    if (which === "@description") {
      if (description !== null) {
        c.failSemantic(`query \`${name}\` cannot include duplicate @description annotations`, at);
      }
      description = value;
    } else {
      if (instruction !== null) {
        c.failSemantic(`query \`${name}\` cannot include duplicate @instruction annotations`, at);
      }
      instruction = value;
    }
  }
  c.expectPunct("{");
  const base = { name, description, instruction, params, offset };
  if (c.peekWord() === "match") {
    const match = parseMatch(c);
    c.expectKeyword("return");
    c.expectPunct("{");
    const returns: Projection[] = [parseProjection(c)];
    while (!c.tryPunct("}")) returns.push(parseProjection(c));
    const order: Ordering[] = [];
    if (c.tryKeyword("order")) {
      c.expectPunct("{");
      order.push(parseOrdering(c));
      while (c.tryPunct(",")) order.push(parseOrdering(c));
      c.expectPunct("}");
    }
    let limit: number | null = null;
    if (c.tryKeyword("limit")) limit = Number(c.integerText());
    c.expectPunct("}");
    return { ...base, match, returns, order, limit, mutations: [] };
  }
  const mutations: Mutation[] = [parseMutation(c)];
  while (!c.tryPunct("}")) mutations.push(parseMutation(c));
  return { ...base, match: [], returns: [], order: [], limit: null, mutations };
}

function parseParam(c: Cursor): Param {
  const name = parseVariable(c);
  c.expectPunct(":");
  let typeName: string;
  if (c.tryPunct("[")) {
    typeName = `[${c.pattern(BASE_TYPES, "a base type")}]`;
    c.expectPunct("]");
  } else if (c.tryKeyword("Vector")) {
    c.expectPunct("(");
    typeName = `Vector(${c.integerText()})`;
    c.expectPunct(")");
  } else {
    typeName = c.pattern(BASE_TYPES, "a parameter type");
  }
  return { name, typeName, nullable: c.tryPunct("?") };
}

function parseVariable(c: Cursor): string {
  c.skipTrivia();
  if (c.src[c.pos] !== "$") c.expected("a variable ('$name')");
  c.pos++;
  if (!/[a-z_]/.test(c.src[c.pos] ?? " ")) c.fail("expected a variable name after '$'");
  return c.ident();
}

function peekVariable(c: Cursor): boolean {
  c.skipTrivia();
  return c.src[c.pos] === "$";
}

function parseMatch(c: Cursor): Clause[] {
  c.expectKeyword("match");
  c.expectPunct("{");
  const clauses = [parseClause(c)];
  while (!c.tryPunct("}")) clauses.push(parseClause(c));
  return clauses;
}

function parseClause(c: Cursor): Clause {
  if (c.tryKeyword("not")) {
    c.expectPunct("{");
    const clauses = [parseClause(c)];
    while (!c.tryPunct("}")) clauses.push(parseClause(c));
    return { kind: "negation", clauses };
  }
  const word = c.peekWord();
  if (word !== null && UNSUPPORTED_CALLS.includes(word)) {
    c.fail(`${word}(...) is not supported by this model`);
  }
  if (peekVariable(c)) {
    const save = c.pos;
    const variable = parseVariable(c);
    if (c.tryPunct(":")) {
      const typeName = c.typeName();
      const props: { prop: string; value: MatchValue }[] = [];
      if (c.tryPunct("{")) {
        for (;;) {
          const prop = c.ident("a property name");
          c.expectPunct(":");
          props.push({ prop, value: parseMatchValue(c) });
          if (c.tryPunct(",")) {
            if (c.tryPunct("}")) break;
            continue;
          }
          c.expectPunct("}");
          break;
        }
      }
      return { kind: "binding", variable, typeName, props };
    }
    const traversal = tryTraversal(c, variable);
    if (traversal !== null) return traversal;
    c.pos = save;
  }
  const left = parseExpr(c);
  const op = parseFilterOp(c);
  const right = parseExpr(c);
  return { kind: "filter", left, op, right };
}

/** `$a edge {min,max}? $b`; backtracks (returns null) when the shape does not fit. */
function tryTraversal(c: Cursor, src: string): Clause | null {
  const save = c.pos;
  try {
    const word = c.peekWord();
    if (word === null || word === "not" || word === "contains" || !/^[a-z_]/.test(word)) {
      return null;
    }
    c.pos += word.length;
    let minHops = 1;
    let maxHops: number | null = 1;
    if (c.tryPunct("{")) {
      minHops = Number(c.integerText());
      c.expectPunct(",");
      maxHops = c.peekDigit() ? Number(c.integerText()) : null;
      c.expectPunct("}");
    }
    if (!peekVariable(c)) {
      c.pos = save;
      return null;
    }
    const dst = parseVariable(c);
    return { kind: "traversal", src, edge: word, dst, minHops, maxHops };
  } catch (e) {
    if (!(e instanceof ParseFailure)) throw e;
    c.pos = save;
    return null;
  }
}

function parseFilterOp(c: Cursor): CompOp {
  if (c.tryKeyword("contains")) return "contains";
  return parseCompOp(c);
}

function parseCompOp(c: Cursor): Exclude<CompOp, "contains"> {
  for (const op of [">=", "<=", "!=", ">", "<", "="] as const) if (c.tryPunct(op)) return op;
  return c.expected("a comparison operator");
}

function parseExpr(c: Cursor): Expr {
  if (peekVariable(c)) {
    const variable = parseVariable(c);
    if (c.src[c.pos] === ".") {
      c.pos++;
      return { kind: "prop", variable, property: c.ident("a property name") };
    }
    return { kind: "variable", name: variable };
  }
  const word = c.peekWord();
  if (word !== null) {
    if (UNSUPPORTED_CALLS.includes(word)) c.fail(`${word}(...) is not supported by this model`);
    if (word === "now") {
      c.pos += 3;
      c.expectPunct("(");
      c.expectPunct(")");
      return { kind: "now" };
    }
    if ((AGG_FUNCS as readonly string[]).includes(word)) {
      const save = c.pos;
      c.pos += word.length;
      if (c.tryPunct("(")) {
        const arg = parseExpr(c);
        c.expectPunct(")");
        return { kind: "aggregate", func: word as AggFunc, arg };
      }
      c.pos = save;
    }
    if (word !== "true" && word !== "false" && word !== "date" && word !== "datetime") {
      return { kind: "alias", name: c.ident() };
    }
  }
  return { kind: "literal", value: parseLiteral(c) };
}

function parseLiteral(c: Cursor): Literal {
  if (c.tryPunct("[")) {
    const items: Literal[] = [];
    if (!c.tryPunct("]")) {
      items.push(parseLiteral(c));
      while (c.tryPunct(",")) items.push(parseLiteral(c));
      c.expectPunct("]");
    }
    return { kind: "list", items };
  }
  if (c.tryKeyword("datetime")) {
    c.expectPunct("(");
    const value = c.stringLit();
    c.expectPunct(")");
    return { kind: "datetime", value };
  }
  if (c.tryKeyword("date")) {
    c.expectPunct("(");
    const value = c.stringLit();
    c.expectPunct(")");
    return { kind: "date", value };
  }
  if (c.peekString()) return { kind: "string", value: c.stringLit() };
  if (c.tryKeyword("true")) return { kind: "bool", value: true };
  if (c.tryKeyword("false")) return { kind: "bool", value: false };
  const n = c.tryNumberText(false);
  if (n !== null) {
    return n.includes(".")
      ? { kind: "float", value: Number(n) }
      : { kind: "integer", value: Number(n) };
  }
  return c.expected("an expression");
}

function parseMatchValue(c: Cursor): MatchValue {
  if (peekVariable(c)) return { kind: "variable", name: parseVariable(c) };
  if (c.peekWord() === "now") {
    c.expectKeyword("now");
    c.expectPunct("(");
    c.expectPunct(")");
    return { kind: "now" };
  }
  return { kind: "literal", value: parseLiteral(c) };
}

function parseProjection(c: Cursor): Projection {
  const expr = parseExpr(c);
  const alias = c.tryKeyword("as") ? c.ident("an alias") : null;
  c.tryPunct(",");
  return { expr, alias };
}

function parseOrdering(c: Cursor): Ordering {
  const expr = parseExpr(c);
  if (c.tryKeyword("desc")) return { expr, descending: true };
  c.tryKeyword("asc");
  return { expr, descending: false };
}

function parseAssignments(c: Cursor): Assignment[] {
  c.expectPunct("{");
  const out: Assignment[] = [];
  do {
    const property = c.ident("a property name");
    c.expectPunct(":");
    out.push({ property, value: parseMatchValue(c) });
    c.tryPunct(",");
  } while (!c.tryPunct("}"));
  return out;
}

function parsePredicate(c: Cursor): Predicate {
  const property = c.ident("a property name");
  const op = parseCompOp(c);
  return { property, op, value: parseMatchValue(c) };
}

function parseMutation(c: Cursor): Mutation {
  if (c.tryKeyword("insert")) {
    const typeName = c.typeName();
    return { kind: "insert", typeName, assignments: parseAssignments(c) };
  }
  if (c.tryKeyword("update")) {
    const typeName = c.typeName();
    c.expectKeyword("set");
    const assignments = parseAssignments(c);
    c.expectKeyword("where");
    return { kind: "update", typeName, assignments, where: parsePredicate(c) };
  }
  if (c.tryKeyword("delete")) {
    const typeName = c.typeName();
    c.expectKeyword("where");
    return { kind: "delete", typeName, where: parsePredicate(c) };
  }
  return c.expected("'match', 'insert', 'update' or 'delete'");
}
