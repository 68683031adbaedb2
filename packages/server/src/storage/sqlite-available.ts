import { isBuiltin } from "node:module";

/**
 * Whether this runtime has `node:sqlite` (Node 22.5 and later; not every runtime that runs Node code has it). Asked
 * without loading the module, which would print Node's experimental-feature warning.
 */
export function sqliteAvailable(): boolean {
  return isBuiltin("node:sqlite");
}
