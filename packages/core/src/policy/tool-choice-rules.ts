import type { CanonicalRequest } from "../canonical.js";

/** What tool_choice, parallel_tool_calls and the legacy functions API allow a reply to do. */
export interface ToolChoiceRules {
  /** Names the reply may call. Empty for tool_choice "none". */
  allowed: ReadonlySet<string>;
  /** The reply must contain at least one call. */
  required: boolean;
  /** At most this many calls are delivered; later ones are dropped. */
  maxCalls: number;
  /** Whether the output is scanned for calls: tools are declared and tool_choice is not "none". */
  scanForCalls: boolean;
}

export function resolveToolChoiceRules(
  request: Pick<CanonicalRequest, "tools" | "toolChoice" | "parallelToolCalls" | "legacyFunctions">,
): ToolChoiceRules {
  const declared = request.tools.map((tool) => tool.name);
  const choice = request.toolChoice;
  let allowed: string[];
  let required: boolean;
  switch (choice.type) {
    case "none":
      allowed = [];
      required = false;
      break;
    case "auto":
      allowed = declared;
      required = false;
      break;
    case "required":
      allowed = declared;
      required = true;
      break;
    case "function":
      allowed = declared.filter((name) => name === choice.name);
      required = true;
      break;
    case "allowed":
      allowed = declared.filter((name) => choice.names.includes(name));
      required = choice.mode === "required";
      break;
  }
  // OpenAI's runners treat a named choice as "call it once"; the legacy function_call API has a single slot.
  const single = !request.parallelToolCalls || choice.type === "function" || request.legacyFunctions === true;
  return {
    allowed: new Set(allowed),
    required: required && allowed.length > 0,
    maxCalls: single ? 1 : Number.POSITIVE_INFINITY,
    scanForCalls: request.tools.length > 0 && choice.type !== "none",
  };
}
