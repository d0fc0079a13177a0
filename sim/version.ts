/**
 * The harness version: part of every replay pin. Bump it whenever a change alters what an
 * existing (scenario, seed) does, so old replay lines refuse instead of silently diverging.
 */
export const HARNESS_VERSION = "9";
