import { InvalidRequestError } from "../errors.js";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH } from "../policy/json-depth.js";
import { parseAt } from "./parse-at.js";
import type { InputImagePart, InputTextPart, MessageContentPart, ResponseItem } from "./response-types.js";
import {
  customToolCallItemSchema,
  functionCallItemSchema,
  functionCallOutputItemSchema,
  itemReferenceSchema,
  messageItemSchema,
  reasoningItemSchema,
} from "./responses-request-schema.js";

/** Looks up items this server issued earlier; absent when nothing is stored. */
export type ResolveItem = (id: string) => Promise<ResponseItem | undefined>;

/** A normalised input item and the request field it came from (for error messages). */
export interface LocatedItem {
  item: ResponseItem;
  param: string;
}

const ACCEPTED =
  "'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'item_reference' or 'reasoning'";

/**
 * `input` (a string or items in any of the shapes clients send) as normalised items: messages always carry content
 * parts, arguments are JSON strings, and `item_reference`s are replaced by the items they name.
 */
export async function normalizeInputItems(input: string | unknown[], resolveItem: ResolveItem | undefined): Promise<LocatedItem[]> {
  if (typeof input === "string") {
    return [{ item: { type: "message", role: "user", content: [{ type: "input_text", text: input }] }, param: "input" }];
  }
  const located: LocatedItem[] = [];
  for (const [index, raw] of input.entries()) {
    located.push({ item: await normalizeItem(raw, index, resolveItem), param: `input[${index}]` });
  }
  return located;
}

async function normalizeItem(raw: unknown, index: number, resolveItem: ResolveItem | undefined): Promise<ResponseItem> {
  const param = `input[${index}]`;
  const path = ["input", index];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InvalidRequestError(`'${param}' must be an input item object with a 'type' of ${ACCEPTED}.`, param);
  }
  const type = (raw as { type?: unknown }).type;
  // An item without a type is an EasyInputMessage when it has a role, else a bare item reference ({"id": "msg_…"}).
  const kind = type ?? ("role" in raw ? "message" : "id" in raw ? "item_reference" : undefined);
  switch (kind) {
    case "message": {
      const message = parseAt(messageItemSchema, raw, path);
      const content: MessageContentPart[] =
        typeof message.content === "string"
          ? [textPart(message.role, message.content)]
          : message.content.map((part): MessageContentPart => {
              if (part.type === "input_image") return imagePart(part);
              if (part.type === "refusal") return part;
              return textPart(message.role, part.text);
            });
      return { type: "message", ...(message.id ? { id: message.id } : {}), role: message.role, content };
    }
    case "function_call": {
      const call = parseAt(functionCallItemSchema, raw, path);
      const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
      if (jsonTextExceedsDepth(args, MAX_JSON_DEPTH)) {
        const param = `${path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${key}`)).join("")}.arguments`;
        throw new InvalidRequestError(`'${param}' nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; toolshim accepts at most ${MAX_JSON_DEPTH}.`, param);
      }
      const namespace = call.namespace ? { namespace: call.namespace } : {};
      return { type: "function_call", ...(call.id ? { id: call.id } : {}), call_id: call.call_id, name: call.name, ...namespace, arguments: args, status: "completed" };
    }
    case "custom_tool_call": {
      const call = parseAt(customToolCallItemSchema, raw, path);
      const namespace = call.namespace ? { namespace: call.namespace } : {};
      return { type: "custom_tool_call", ...(call.id ? { id: call.id } : {}), call_id: call.call_id, name: call.name, ...namespace, input: call.input, status: "completed" };
    }
    case "custom_tool_call_output":
    case "function_call_output": {
      const result = parseAt(functionCallOutputItemSchema, raw, path);
      const output =
        typeof result.output === "string"
          ? result.output
          : result.output.map((part): InputTextPart | InputImagePart =>
              part.type === "input_image" ? imagePart(part) : { type: "input_text", text: part.text },
            );
      return { type: result.type, ...(result.id ? { id: result.id } : {}), call_id: result.call_id, output };
    }
    case "reasoning": {
      const reasoning = parseAt(reasoningItemSchema, raw, path);
      return {
        type: "reasoning",
        ...(reasoning.id ? { id: reasoning.id } : {}),
        summary: (reasoning.summary ?? []).map((part) => ({ type: "summary_text", text: part.text })),
      };
    }
    case "item_reference": {
      const { id } = parseAt(itemReferenceSchema, raw, path);
      const item = resolveItem ? await resolveItem(id) : undefined;
      if (item) return item;
      throw new InvalidRequestError(
        resolveItem
          ? `'${param}' references item ${JSON.stringify(id)}, which this server has not stored (it was never issued here, ` +
              "was created with store: false, or has expired); send the full item instead of an item_reference."
          : `'${param}' is an item_reference, but this server keeps no responses; send the full item instead ` +
              "(with the AI SDK: providerOptions.openai.store = false).",
        `${param}.id`,
        "item_not_found",
      );
    }
    default:
      throw new InvalidRequestError(
        typeof kind === "string"
          ? `'${param}.type' is ${JSON.stringify(kind)}, which toolshim does not accept: it emulates function tools only; ` +
              `send ${ACCEPTED} items.`
          : `'${param}' has no 'type'; send ${ACCEPTED} items (a message may omit 'type' but needs 'role' and 'content').`,
        `${param}.type`,
      );
  }
}

function textPart(role: string, text: string): MessageContentPart {
  return role === "assistant" ? { type: "output_text", text, annotations: [], logprobs: [] } : { type: "input_text", text };
}

function imagePart(part: { image_url: string; detail?: "auto" | "low" | "high" | null | undefined }): InputImagePart {
  return { type: "input_image", image_url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) };
}
