import type { ModelCall } from "./toolshim-model.js";

/** A tool as the suite declares it to clients: JSON Schema parameters and a deterministic implementation. */
export interface ScenarioTool {
  name: string;
  description: string;
  parameters: { type: "object"; properties: Record<string, unknown>; required?: string[]; additionalProperties?: boolean };
  /** The result text for given arguments: a pure function, so the expected final answer can be computed. */
  execute(args: Record<string, any>): string;
}

/** One model turn that calls tools: optional text first, then the calls in order. */
export interface ScenarioStep {
  text?: string;
  calls: ModelCall[];
}

/**
 * A conversation the scripted model plays: a user question, one or more tool-calling turns (each after the previous
 * turn's results are back), then a final text answer built from every result it read.
 */
export interface Scenario {
  name: string;
  prompt: string;
  tools: ScenarioTool[];
  steps: ScenarioStep[];
}

export const tools = {
  weather: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    execute: ({ city }) => JSON.stringify({ city, temperature_c: String(city).length * 3 - 10, sky: "clear" }),
  },
  time: {
    name: "get_time",
    description: "Local time in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, hour24: { type: "boolean" } },
      required: ["city", "hour24"],
      additionalProperties: false,
    },
    execute: ({ city, hour24 }) => `${city}: ${hour24 ? "14:05" : "2:05 PM"}`,
  },
  reminders: {
    name: "list_reminders",
    description: "The user's open reminders (takes no arguments)",
    parameters: { type: "object", properties: {}, additionalProperties: false },
    execute: () => JSON.stringify(["water the plants", "call Ana"]),
  },
  translate: {
    name: "translate",
    description: "Translate text into English",
    parameters: {
      type: "object",
      properties: { text: { type: "string" }, note: { type: "string" } },
      required: ["text", "note"],
      additionalProperties: false,
    },
    execute: ({ text, note }) => JSON.stringify({ echo: text, note, codePoints: [...String(text)].length }),
  },
  findCity: {
    name: "find_city",
    description: "Find the city a description refers to",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"], additionalProperties: false },
    execute: ({ query }) => (String(query).includes("Norway") ? "Oslo" : "unknown"),
  },
} satisfies Record<string, ScenarioTool>;

/**
 * The conversations every client runs (in every chunking): text before a call, parallel calls, a zero-argument call,
 * unicode and escape-heavy arguments, and a two-step loop; each ends with a text answer after the tool results.
 */
export const scenarios: Scenario[] = [
  {
    name: "text before a call",
    prompt: "What is the weather in Oslo?",
    tools: [tools.weather, tools.time],
    steps: [{ text: "Let me look that up for you. ", calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] }],
  },
  {
    name: "parallel calls",
    prompt: "Weather in Paris and the time in Lima?",
    tools: [tools.weather, tools.time],
    steps: [
      {
        calls: [
          { name: "get_weather", arguments: { city: "Paris" } },
          { name: "get_time", arguments: { city: "Lima", hour24: true } },
          { name: "get_weather", arguments: { city: "Reykjavík" } },
        ],
      },
    ],
  },
  {
    name: "zero-argument call",
    prompt: "What are my reminders?",
    tools: [tools.reminders, tools.weather],
    steps: [{ calls: [{ name: "list_reminders", arguments: {} }] }],
  },
  {
    name: "unicode arguments",
    prompt: "Translate this for me.",
    tools: [tools.translate],
    steps: [
      {
        text: "Übersetze… 🌍 ",
        calls: [{ name: "translate", arguments: { text: "Grüße aus Köln — 東京タワー 🌸👩‍💻 ✓", note: 'She said "hi"\n\tthen left \\ <b>&amp;</b>' } }],
      },
    ],
  },
  {
    name: "two steps",
    prompt: "What is the weather in the capital of Norway?",
    tools: [tools.findCity, tools.weather],
    steps: [
      { calls: [{ name: "find_city", arguments: { query: "capital of Norway" } }] },
      { text: "Found it, now the weather. ", calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] },
    ],
  },
];

export function scenarioNamed(name: string): Scenario {
  const found = scenarios.find((scenario) => scenario.name === name);
  if (!found) throw new Error(`no scenario named "${name}"`);
  return found;
}

/** The model's final answer once it has read `results` (name and content of each, in order). */
export function finalAnswer(results: { name: string; content: string }[]): string {
  return `Done. ${results.map((result) => `${result.name} said ${result.content}`).join("; ")}.`;
}

/** The results a correct client sends back, in order: each expected call run through its tool. */
export function expectedResults(scenario: Scenario): { name: string; content: string }[] {
  return scenario.steps.flatMap((step) =>
    step.calls.map((call) => {
      const tool = scenario.tools.find((candidate) => candidate.name === call.name)!;
      return { name: call.name, content: tool.execute(call.arguments) };
    }),
  );
}

/** Runs a call the way a client's tool loop would: by exact name, arguments as parsed by the client. */
export function execute(scenario: Scenario, name: string, args: Record<string, unknown>): string {
  const tool = scenario.tools.find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`the client asked for an undeclared tool "${name}"`);
  return tool.execute(args);
}
