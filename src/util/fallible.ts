/**
 * The one shape of a fallible value in the model: the value, or why not as text, which the
 * caller words into its own diagnostic (a storage call, a decoded record, a parsed bundle,
 * an engine call). Results that carry more than text (a command's diagnostic, a parser's
 * position) keep their own shape.
 */
export type Fallible<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };
