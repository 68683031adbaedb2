import { csrfToken, getJson, h } from "./dom.js";
import { showTrace } from "./trace-view.js";

const SAMPLE_TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    },
  },
];
const SAMPLE_MESSAGES = [{ role: "user", content: "What is the weather in Paris?" }];

/** Send a chat completion through the gateway and watch its trace fill in. */
export async function showPlayground(root: HTMLElement, stillWanted: () => boolean): Promise<void> {
  const { models } = await getJson<{ models: { id: string }[] }>("/console/api/providers");
  const model = h("select", { id: "pg-model", "aria-label": "model" }, ...models.map((m) => h("option", { value: m.id }, m.id))) as HTMLSelectElement;
  const tools = h("textarea", { id: "pg-tools", rows: "8", "aria-label": "tools (JSON)" }) as HTMLTextAreaElement;
  tools.value = JSON.stringify(SAMPLE_TOOLS, null, 2);
  const messages = h("textarea", { id: "pg-messages", rows: "6", "aria-label": "messages (JSON)" }) as HTMLTextAreaElement;
  messages.value = JSON.stringify(SAMPLE_MESSAGES, null, 2);
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
      body = { model: model.value, messages: JSON.parse(messages.value) as unknown, stream: stream.checked };
      if (toolList.length) body.tools = toolList;
    } catch (error) {
      output.textContent = `Not valid JSON: ${String(error)}`;
      return;
    }
    const response = await fetch("/console/api/playground", {
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
      h("label", {}, "Model ", model),
      h("label", {}, "Tools (JSON)", tools),
      h("label", {}, "Messages (JSON)", messages),
      h("label", { class: "inline" }, stream, " stream"),
      send,
    ),
    h("h2", {}, "Response"),
    output,
    trace,
  );
}
