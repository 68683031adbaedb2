export { createScanner } from "./create-scanner.js";
