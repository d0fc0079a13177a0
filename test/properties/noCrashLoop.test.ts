import { noCrashLoop } from "./defs/noCrashLoop.ts";
import { propertyTest } from "./lib/property.ts";

/** Issue 6 property: statement, generator and check in ./defs/noCrashLoop.ts. */
propertyTest(noCrashLoop);
