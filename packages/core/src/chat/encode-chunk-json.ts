const CHUNK_KEYS = ["id", "object", "created", "model", "system_fingerprint", "choices"];
const CHOICE_KEYS = ["index", "delta", "logprobs", "finish_reason"];

/** Whether `value` is a plain object whose own enumerable keys are exactly `keys`, in that order. */
function hasKeys(value: object, keys: readonly string[]): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  let i = 0;
  for (const key in value) {
    if (key !== keys[i]) return false;
    i++;
  }
  return i === keys.length && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

/**
 * A `JSON.stringify` for the chunks of one stream that serialises only what changes between them. A
 * `chat.completion.chunk` repeats its envelope (id, object, created, model, the choice's index and logprobs) on every
 * token and only the delta varies; for an object of exactly that shape the envelope's text is kept from the previous
 * chunk and only the delta is serialised. Every value, chunk or not, gets exactly the text `JSON.stringify` gives it:
 * the shape is checked on each call (key order included), and anything else goes to `JSON.stringify` whole.
 */
export function createChunkSerializer(): (value: unknown) => string | undefined {
  let id: string | undefined;
  let created: number | undefined;
  let model: string | undefined;
  let fingerprint: string | undefined;
  let head = "";

  return (value) => {
    if (typeof value !== "object" || value === null || !hasKeys(value, CHUNK_KEYS)) return JSON.stringify(value);
    const chunk = value as { id: unknown; object: unknown; created: unknown; model: unknown; system_fingerprint: unknown; choices: unknown };
    const choices = chunk.choices;
    if (
      chunk.object !== "chat.completion.chunk" ||
      typeof chunk.id !== "string" ||
      typeof chunk.model !== "string" ||
      typeof chunk.system_fingerprint !== "string" ||
      typeof chunk.created !== "number" ||
      !Number.isFinite(chunk.created) ||
      !Array.isArray(choices) ||
      choices.length !== 1 ||
      typeof (choices as { toJSON?: unknown }).toJSON === "function"
    ) {
      return JSON.stringify(value);
    }
    const choice: unknown = choices[0];
    if (typeof choice !== "object" || choice === null || !hasKeys(choice, CHOICE_KEYS)) return JSON.stringify(value);
    const { index, delta, logprobs, finish_reason: finishReason } = choice as Record<string, unknown>;
    if (index !== 0 || logprobs !== null || (finishReason !== null && typeof finishReason !== "string")) return JSON.stringify(value);
    // A delta JSON leaves out (undefined, a function) would drop its key: not this shape after all.
    const deltaJson = JSON.stringify(delta) as string | undefined;
    if (deltaJson === undefined) return JSON.stringify(value);
    if (chunk.id !== id || chunk.created !== created || chunk.model !== model || chunk.system_fingerprint !== fingerprint) {
      id = chunk.id;
      created = chunk.created;
      model = chunk.model;
      fingerprint = chunk.system_fingerprint;
      head =
        `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${JSON.stringify(created)},` +
        `"model":${JSON.stringify(model)},"system_fingerprint":${JSON.stringify(fingerprint)},"choices":[{"index":0,"delta":`;
    }
    return `${head}${deltaJson},"logprobs":null,"finish_reason":${finishReason === null ? "null" : JSON.stringify(finishReason)}}]}`;
  };
}
