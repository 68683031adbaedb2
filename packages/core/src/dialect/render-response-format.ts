import type { ResponseFormat } from "../canonical.js";

/**
 * `response_format` as an instruction, for upstreams that cannot constrain their output. With tools the format applies
 * to the final text answer only, never to a reply that calls tools, and the wording says so.
 */
export function renderResponseFormat(format: ResponseFormat | undefined, withTools: boolean): string {
  if (format === undefined || format.type === "text") return "";
  const answer = withTools ? "When you answer in text instead of calling a tool, your answer must be" : "Your answer must be";
  const bare = "Write only the JSON: no code fences, no text before or after it.";
  if (format.type === "json_object" || format.schema === undefined) {
    return `# Answer format\n\n${answer} a single valid JSON object. ${bare}`;
  }
  const about = format.description?.trim() ? ` (${format.description.trim()})` : "";
  return `# Answer format\n\n${answer} a single valid JSON object${about} that matches this JSON Schema:\n${JSON.stringify(format.schema)}\n${bare}`;
}
