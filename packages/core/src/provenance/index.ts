export { ProvenanceIndex, type ProvenanceOptions } from "./provenance-index.js";
export { untrustedTexts } from "./untrusted-texts.js";
