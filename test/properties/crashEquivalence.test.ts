import { crashEquivalence } from "./defs/crashEquivalence.ts";
import { propertyTest } from "./lib/property.ts";

/** Issue 6 property 7: statement, generator and check in ./defs/crashEquivalence.ts. */
propertyTest(crashEquivalence);
