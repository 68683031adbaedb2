export { createScanner } from "./create-scanner.js";
export type { NoteSink, ParserNote } from "./parser-note.js";
