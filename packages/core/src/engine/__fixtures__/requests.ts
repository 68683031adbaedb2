// Shared request bodies and scripted model replies for the engine tests.

export const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};

export const timeTool = {
  type: "function",
  function: { name: "get_time", description: "The current time", parameters: { type: "object", properties: {} } },
};

export function strict<T extends { function: object }>(tool: T): T {
  return { ...tool, function: { ...tool.function, strict: true } };
}

export function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "client-model",
    messages: [{ role: "user", content: "What's the weather in Paris?" }],
    tools: [weatherTool, timeTool],
    ...extra,
  };
}

/** A call in the default dialect, with the request's nonce filled in by the replay upstream. */
export function call(name: string, args: string): string {
  return `<call:{{nonce}}>{"name": "${name}", "arguments": ${args}}</call:{{nonce}}>`;
}
