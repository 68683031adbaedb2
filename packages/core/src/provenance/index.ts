export { DEFAULT_PROVENANCE_BUDGET_BYTES, defaultProvenanceBudget, ProvenanceBudget } from "./provenance-budget.js";
export { ProvenanceIndex, type ProvenanceMode, type ProvenanceOptions } from "./provenance-index.js";
export { untrustedTexts } from "./untrusted-texts.js";
