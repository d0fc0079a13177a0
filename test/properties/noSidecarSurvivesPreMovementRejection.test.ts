import { noSidecarSurvivesPreMovementRejection } from "./defs/noSidecarSurvivesPreMovementRejection.ts";
import { propertyTest } from "./lib/property.ts";

/**
 * Property 1 (issue 6): for every schema change the engine rejects before moving the graph,
 * after apply returns no recovery sidecar for that graph remains and serve boots it as ready.
 * The statement, generator and check are in ./defs/noSidecarSurvivesPreMovementRejection.ts.
 */
propertyTest(noSidecarSurvivesPreMovementRejection);
