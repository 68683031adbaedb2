import { defaultDialect, type RenderContext, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { abortableSleep, defineProvider, type ProviderUpstream, strictSettings } from "@toolshim/core/provider-utils";
import { z } from "zod";
import { composeReply } from "./compose-reply.js";
import { readEmulatedPrompt } from "./read-emulated-prompt.js";

export const DEMO_MODEL_ID = "toolshim-demo";

export const demoOptionsSchema = strictSettings({
  /** Model ids the demo answers to. */
  models: z.array(z.string().min(1)).min(1).default([DEMO_MODEL_ID]),
  /** Characters per streamed piece and the pause between pieces, so streaming is visible. */
  chunkSize: z.number().int().positive().default(6),
  chunkDelayMs: z.number().int().min(0).default(15),
});

export type DemoOptions = z.output<typeof demoOptionsSchema>;

/**
 * A stand-in upstream for trying toolshim without credentials or a model. It is an emulate-mode upstream like any
 * web chat: it receives plain text turns with the dialect's tool instructions and answers in text, writing tool
 * calls in the dialect's markup, which the engine then parses into real `tool_calls`. Nothing here is a model: the
 * replies follow three fixed rules (see composeReply).
 */
export function createDemoUpstream(options: DemoOptions = demoOptionsSchema.parse({})): ProviderUpstream {
  return {
    name: "demo",
    async listModels() {
      return options.models.map((id) => ({
        id,
        ownedBy: DEMO_MODEL_ID,
        capabilities: { nativeTools: false, reasoning: false, systemRole: true, vision: false },
      }));
    },
    toolMode: () => "emulate",
    stream: (request, signal) => streamReply(request, signal, options),
    async health() {
      return { status: "ok", note: "built-in demo, not a model" };
    },
  };
}

async function* streamReply(request: UpstreamRequest, signal: AbortSignal, options: DemoOptions): AsyncGenerator<UpstreamEvent> {
  const prompt = readEmulatedPrompt(request.messages, defaultDialect);
  const reply = composeReply(prompt);
  let text = reply.text;
  if (reply.call && prompt.nonce) {
    const context: RenderContext = { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: prompt.nonce };
    text += `\n${defaultDialect.renderCall({ id: "", name: reply.call.name, arguments: JSON.stringify(reply.call.arguments) }, context)}`;
  }
  for (let at = 0; at < text.length; at += options.chunkSize) {
    if (at > 0 && options.chunkDelayMs > 0) await abortableSleep(options.chunkDelayMs, signal);
    signal.throwIfAborted();
    yield { type: "text", text: text.slice(at, at + options.chunkSize) };
  }
  const promptChars = request.messages.reduce((sum, m) => sum + JSON.stringify(m.content ?? "").length, 0);
  yield { type: "usage", inputTokens: Math.ceil(promptChars / 4), outputTokens: Math.ceil(text.length / 4) };
  yield { type: "end", reason: "stop" };
}

/** `use: demo`: the built-in demo model, served when no config file is given. */
export const demoProvider = defineProvider({
  specificationVersion: "v1",
  name: "demo",
  description: "the built-in demo model: fixed rules, emulated tool calls, no credentials",
  settings: demoOptionsSchema,
  create: (settings) => createDemoUpstream(settings),
});
