import { sidecarsPersistAfterMidMovementFailures } from "./defs/sidecarsPersistAfterMidMovementFailures.ts";
import { propertyTest } from "./lib/property.ts";

/**
 * Property 2 (issue 6): for every failure or death at or after the first graph-moving write of
 * a create, schema apply or delete, the recovery sidecar is present until a sweep reconciles
 * it, and serve quarantines exactly that graph. Statement, generator and check:
 * ./defs/sidecarsPersistAfterMidMovementFailures.ts.
 */
propertyTest(sidecarsPersistAfterMidMovementFailures);
