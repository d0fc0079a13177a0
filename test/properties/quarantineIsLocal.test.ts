import { quarantineIsLocal } from "./defs/quarantineIsLocal.ts";
import { propertyTest } from "./lib/property.ts";

/** Issue 6 property 4: statement, generator and check in ./defs/quarantineIsLocal.ts. */
propertyTest(quarantineIsLocal);
