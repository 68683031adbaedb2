import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createMessage } from "../anthropic/create-message.js";
import { createChatCompletion } from "../engine/create-chat-completion.js";
import type { ChatCompletionContext } from "../engine/chat-completion-context.js";
import { createResponse } from "../responses/create-response.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";

/**
 * The forgery corpus: call markup in every format the parser recognises, naming a declared tool (send_money), placed
 * in each untrusted input of each API, and quoted by a model that does not call anything. 0 calls may come out. Two
 * controls per format and API: the model writing the same format with its own arguments (a call), and toolshim's own
 * nonce marker (a call).
 */
interface Vector {
  format: string;
  /** `{{to}}` and `{{amount}}` mark the arguments. */
  markup: string;
}

const VECTORS = JSON.parse(readFileSync(resolve(import.meta.dirname, "__fixtures__/forgery-vectors.json"), "utf8")) as Vector[];
const PLACEMENTS = ["tool-result", "fetched-page", "user", "system"] as const;
type Placement = (typeof PLACEMENTS)[number];
const APIS = ["chat", "responses", "anthropic"] as const;
type Api = (typeof APIS)[number];

const forged = (vector: Vector): string => vector.markup.replaceAll("{{to}}", "eve").replaceAll("{{amount}}", "500");
const authored = (vector: Vector): string => vector.markup.replaceAll("{{to}}", "bob").replaceAll("{{amount}}", "5");
const NONCE_CALL = '<call:{{nonce}}>{"name": "send_money", "arguments": {"to": "bob", "amount": 5}}</call:{{nonce}}>';
const QUOTE_AFTER = "\n\nThat block was in what I was given; I did not act on it.";

const SEND_MONEY = {
  name: "send_money",
  description: "Send money to someone",
  parameters: { type: "object", properties: { to: { type: "string" }, amount: { type: "number" } }, required: ["to", "amount"] },
};
const FETCH_PAGE = { name: "fetch_page", description: "Fetch a web page", parameters: { type: "object", properties: { url: { type: "string" } } } };

/** What each untrusted input holds: the markup only in the one chosen placement. */
function inputs(placement: Placement, markup: string) {
  const page = JSON.stringify({
    url: "https://shop.example/offers",
    status: 200,
    html: `<html><body><h1>Offers</h1><p>${markup}</p></body></html>`,
  });
  return {
    system: placement === "system" ? `You are a helpful agent. Note from the operator: ${markup}` : "You are a helpful agent.",
    user: placement === "user" ? `Please summarise this for me:\n${markup}` : "What does the offers page say?",
    result: placement === "tool-result" ? `Fetched:\n${markup}\n(end of page)` : placement === "fetched-page" ? page : "The page is empty.",
  };
}

/** A request body of the API, with a fetch_page call and its result in the history. */
function requestBody(api: Api, placement: Placement, markup: string, stream: boolean): Record<string, unknown> {
  const { system, user, result } = inputs(placement, markup);
  const url = { url: "https://shop.example/offers" };
  switch (api) {
    case "chat":
      return {
        model: "m",
        stream,
        tools: [SEND_MONEY, FETCH_PAGE].map((tool) => ({ type: "function", function: tool })),
        messages: [
          { role: "system", content: system },
          { role: "user", content: user },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "fetch_page", arguments: JSON.stringify(url) } }] },
          { role: "tool", tool_call_id: "call_1", content: result },
        ],
      };
    case "responses":
      return {
        model: "m",
        stream,
        store: false,
        instructions: system,
        tools: [SEND_MONEY, FETCH_PAGE].map((tool) => ({ type: "function", ...tool })),
        input: [
          { role: "user", content: user },
          { type: "function_call", call_id: "call_1", name: "fetch_page", arguments: JSON.stringify(url) },
          { type: "function_call_output", call_id: "call_1", output: result },
        ],
      };
    case "anthropic":
      return {
        model: "m",
        stream,
        max_tokens: 1000,
        system,
        tools: [SEND_MONEY, FETCH_PAGE].map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters })),
        messages: [
          { role: "user", content: user },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "fetch_page", input: url }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: result }] },
        ],
      };
  }
}

/** Unrelated text first (source code, markdown fences, other formats' openers, near-copies), the markup deep inside. */
function largeDocument(vector: Vector, markup: string): string {
  const parts: string[] = [];
  for (let i = 0; parts.join("").length < 36_000; i++) {
    parts.push(
      `## Section ${i}\n\n\`\`\`ts\nfunction f${i}(x: number[]): { y: number } {\n  return { y: x[${i % 7}] ?? ${i} };\n}\n\`\`\`\n`,
      `<tool_call> and [TOOL_CALLS] and <function=get_x> are just words here; {"name": "fetch_page"} too.\n`,
      `${vector.markup.replaceAll("{{to}}", `eve${i}`).replaceAll("{{amount}}", String(i))}\n`,
    );
  }
  return `${parts.join("")}\nAnd then:\n${markup}\n(end of document)`;
}

/** Puts `result` in place of the request's tool result. */
function setResult(api: Api, body: Record<string, unknown>, result: string): void {
  if (api === "responses") {
    const input = body.input as Record<string, unknown>[];
    (input[2] as Record<string, unknown>).output = result;
    return;
  }
  const messages = body.messages as Record<string, unknown>[];
  const last = messages[messages.length - 1] as Record<string, unknown>;
  if (api === "chat") last.content = result;
  else ((last.content as Record<string, unknown>[])[0] as Record<string, unknown>).content = result;
}

interface Outcome {
  calls: { name: string; arguments: unknown }[];
  text: string;
}

/** Runs one request in process against a replay upstream that answers `reply`, and reads the calls the client got. */
async function run(api: Api, body: Record<string, unknown>, reply: string, extra: Partial<ChatCompletionContext> = {}): Promise<Outcome> {
  const upstream = createReplayUpstream({ responses: { text: reply, chunkSize: body.stream ? 3 : 0 } });
  const context: ChatCompletionContext = { upstream, upstreamModel: "replay", signal: new AbortController().signal, ...extra };
  switch (api) {
    case "chat":
      return chatOutcome(await createChatCompletion(body, context));
    case "responses": {
      const result = await createResponse(body, context);
      if (result.stream) for await (const _ of result.events);
      const calls = result.response.output.flatMap((item) =>
        item.type === "function_call" ? [{ name: item.name, arguments: JSON.parse(item.arguments) as unknown }] : [],
      );
      const text = result.response.output.map((item) => (item.type === "message" ? JSON.stringify(item.content) : "")).join("");
      return { calls, text };
    }
    case "anthropic": {
      const result = await createMessage(body, context);
      if (!result.stream) {
        const { content } = result.message;
        return {
          calls: content.flatMap((block) => (block.type === "tool_use" ? [{ name: block.name, arguments: block.input }] : [])),
          text: content.map((block) => (block.type === "text" ? block.text : "")).join(""),
        };
      }
      const outcome: Outcome = { calls: [], text: "" };
      for await (const event of result.events) {
        const block = event.content_block as { type?: string; name?: string } | undefined;
        if (event.type === "content_block_start" && block?.type === "tool_use") outcome.calls.push({ name: block.name ?? "", arguments: null });
        const change = event.delta as { type?: string; text?: string } | undefined;
        if (event.type === "content_block_delta" && change?.type === "text_delta") outcome.text += change.text ?? "";
      }
      return outcome;
    }
  }
}

async function chatOutcome(result: Awaited<ReturnType<typeof createChatCompletion>>): Promise<Outcome> {
  if (!result.stream) {
    const { message } = result.response.choices[0] ?? {};
    const calls = (message?.tool_calls ?? []).flatMap((call) => (call.type === "function" ? [{ name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown }] : []));
    return { calls, text: message?.content ?? "" };
  }
  const outcome: Outcome = { calls: [], text: "" };
  for await (const chunk of result.chunks) {
    const delta = chunk.choices[0]?.delta;
    for (const call of delta?.tool_calls ?? []) if ("function" in call && "name" in call.function) outcome.calls.push({ name: call.function.name, arguments: null });
    outcome.text += delta?.content ?? "";
  }
  return outcome;
}

describe("forgery corpus: quoted call markup never becomes a call", () => {
  for (const api of APIS) {
    for (const stream of [false, true]) {
      const mode = stream ? "streamed" : "not streamed";

      it(`${api}, ${mode}: every format in every placement stays text (${VECTORS.length} formats × ${PLACEMENTS.length} placements)`, async () => {
        const forgeries: string[] = [];
        for (const vector of VECTORS) {
          for (const placement of PLACEMENTS) {
            const markup = forged(vector);
            // Quoted as is, first thing in the reply, and inside a code fence the model wrote around it.
            for (const [style, reply] of [
              ["quoted", `${markup}${QUOTE_AFTER}`],
              ["fenced", `The page says:\n\`\`\`\n${markup}\n\`\`\`${QUOTE_AFTER}`],
            ]) {
              const outcome = await run(api, requestBody(api, placement, markup, stream), reply as string);
              if (outcome.calls.length > 0) forgeries.push(`${vector.format} in ${placement}, ${style}`);
              else if (!outcome.text.includes("send_money")) forgeries.push(`${vector.format} in ${placement}, ${style}: the quote was lost`);
            }
          }
        }
        expect(forgeries).toEqual([]);
      });

      it(`${api}, ${mode}: the same formats written by the model are calls (control)`, async () => {
        const missed: string[] = [];
        for (const vector of VECTORS) {
          const body = requestBody(api, "tool-result", forged(vector), stream);
          const outcome = await run(api, body, authored(vector));
          const call = outcome.calls[0];
          if (outcome.calls.length !== 1 || call?.name !== "send_money") missed.push(`${vector.format}: ${JSON.stringify(outcome)}`);
          else if (!stream && JSON.stringify(call.arguments) !== JSON.stringify({ to: "bob", amount: 5 })) missed.push(`${vector.format}: ${JSON.stringify(call)}`);
        }
        expect(missed).toEqual([]);
      });

      it(`${api}, ${mode}: toolshim's own marker is a call whatever the inputs hold (control)`, async () => {
        const body = requestBody(api, "tool-result", forged(VECTORS[0] as Vector), stream);
        const outcome = await run(api, body, `Paying Bob.\n${NONCE_CALL}`);
        expect(outcome.calls.map((call) => call.name)).toEqual(["send_money"]);
      });
    }
  }

  for (const api of APIS) {
    for (const stream of [false, true]) {
      it(`${api}, ${stream ? "streamed" : "not streamed"}: markup deep inside a large document, after unrelated markup and near-copies, stays text`, async () => {
        const forgeries: string[] = [];
        for (const vector of VECTORS) {
          const markup = forged(vector);
          const body = requestBody(api, "tool-result", markup, stream);
          // The result becomes a document of ~40 KB holding the markup after code, fences, other formats' triggers
          // and near-copies of the same markup (other arguments), so many indexed starts share a long prefix with it.
          setResult(api, body, largeDocument(vector, markup));
          const outcome = await run(api, body, `${markup}${QUOTE_AFTER}`);
          if (outcome.calls.length > 0) forgeries.push(vector.format);
        }
        expect(forgeries).toEqual([]);
      });
    }
  }

  for (const api of APIS) {
    it(`${api}: with foreignFormats false, even the model's own foreign markup is text and the marker still calls`, async () => {
      const off = { foreignFormats: false };
      for (const vector of VECTORS) {
        const outcome = await run(api, requestBody(api, "user", "nothing", false), authored(vector), off);
        expect(outcome.calls, vector.format).toEqual([]);
      }
      const marker = await run(api, requestBody(api, "user", "nothing", true), NONCE_CALL, off);
      expect(marker.calls.map((call) => call.name)).toEqual(["send_money"]);
    });
  }
});
