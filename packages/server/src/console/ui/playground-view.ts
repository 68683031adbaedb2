import { csrfToken, getJson, h } from "./dom.js";
import { showTrace } from "./trace-view.js";

const WEATHER = {
  name: "get_weather",
  description: "Current weather for a city",
  schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const QUESTION = "What is the weather in Paris?";

/** Each API the playground can send: its sample tools and messages, in that API's own shapes, and the request body. */
const APIS: Record<string, { label: string; tools: unknown[]; messages: unknown; body: (model: string, tools: unknown[], messages: unknown, stream: boolean) => Record<string, unknown> }> = {
  chat: {
    label: "Chat Completions",
    tools: [{ type: "function", function: { name: WEATHER.name, description: WEATHER.description, parameters: WEATHER.schema } }],
    messages: [{ role: "user", content: QUESTION }],
    body: (model, tools, messages, stream) => ({ model, messages, stream, ...(tools.length ? { tools } : {}) }),
  },
  responses: {
    label: "Responses",
    tools: [{ type: "function", name: WEATHER.name, description: WEATHER.description, parameters: WEATHER.schema }],
    messages: [{ role: "user", content: QUESTION }],
    body: (model, tools, input, stream) => ({ model, input, stream, ...(tools.length ? { tools } : {}) }),
  },
  messages: {
    label: "Anthropic Messages",
    tools: [{ name: WEATHER.name, description: WEATHER.description, input_schema: WEATHER.schema }],
    messages: [{ role: "user", content: QUESTION }],
    body: (model, tools, messages, stream) => ({ model, max_tokens: 1024, messages, stream, ...(tools.length ? { tools } : {}) }),
  },
};

/** Send a request to one of the gateway's APIs and watch its trace fill in. */
export async function showPlayground(root: HTMLElement, stillWanted: () => boolean): Promise<void> {
  const { models } = await getJson<{ models: { id: string }[] }>("/console/api/providers");
  const model = h("select", { id: "pg-model", "aria-label": "model" }, ...models.map((m) => h("option", { value: m.id }, m.id))) as HTMLSelectElement;
  const api = h("select", { id: "pg-api", "aria-label": "API" }, ...Object.entries(APIS).map(([id, spec]) => h("option", { value: id }, spec.label))) as HTMLSelectElement;
  const tools = h("textarea", { id: "pg-tools", rows: "8", "aria-label": "tools (JSON)" }) as HTMLTextAreaElement;
  const messages = h("textarea", { id: "pg-messages", rows: "6", "aria-label": "messages (JSON)" }) as HTMLTextAreaElement;
  // Picking another API puts its samples in, since each API spells tools differently.
  const fillSamples = () => {
    const spec = APIS[api.value] ?? APIS.chat;
    tools.value = JSON.stringify(spec?.tools ?? [], null, 2);
    messages.value = JSON.stringify(spec?.messages ?? [], null, 2);
  };
  api.addEventListener("change", fillSamples);
  fillSamples();
  const stream = h("input", { type: "checkbox", id: "pg-stream", checked: "" }) as HTMLInputElement;
  const send = h("button", { type: "button", id: "pg-send" }, "Send");
  const output = h("pre", { id: "pg-output", class: "output" });
  const trace = h("div", { id: "pg-trace" });
  send.addEventListener("click", () => {
    void run().catch((error: unknown) => output.append(`\n${String(error)}`));
  });

  async function run(): Promise<void> {
    output.textContent = "";
    trace.replaceChildren();
    let body: Record<string, unknown>;
    try {
      const toolList = tools.value.trim() ? (JSON.parse(tools.value) as unknown[]) : [];
      const spec = APIS[api.value] ?? APIS.chat;
      body = spec ? spec.body(model.value, toolList, JSON.parse(messages.value) as unknown, stream.checked) : {};
    } catch (error) {
      output.textContent = `Not valid JSON: ${String(error)}`;
      return;
    }
    const response = await fetch(`/console/api/playground?api=${encodeURIComponent(api.value)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-toolshim-csrf": csrfToken() },
      body: JSON.stringify(body),
    });
    const id = response.headers.get("x-toolshim-trace-id");
    if (id) void showTrace(trace, id, stillWanted);
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      output.append(decoder.decode(value, { stream: true }));
    }
    if (id) await showTrace(trace, id, stillWanted);
  }

  root.replaceChildren(
    h("h1", {}, "Playground"),
    h(
      "div",
      { class: "form" },
      h("label", {}, "API ", api),
      h("label", {}, "Model ", model),
      h("label", {}, "Tools (JSON)", tools),
      h("label", {}, "Messages / input (JSON)", messages),
      h("label", { class: "inline" }, stream, " stream"),
      send,
    ),
    h("h2", {}, "Response"),
    output,
    trace,
  );
}
