/**
 * The bad-input corpus: requests built from a table of mutations applied to a valid request of each API (Chat
 * Completions, Responses, Anthropic Messages), streamed and not. Deeply nested JSON is written as text, never built as
 * an object: the test process must not overflow its own stack making it.
 */

export type Api = "chat" | "responses" | "messages";
export const APIS: Api[] = ["chat", "responses", "messages"];
export const PATHS: Record<Api, string> = { chat: "/v1/chat/completions", responses: "/v1/responses", messages: "/v1/messages" };

/** What a mutation promises: `schema` = a 400 naming the tool and where in its schema; `client` = any 4xx; `any` = no 5xx. */
export type Expectation = "schema" | "client" | "any";

export interface BadRequest {
  api: Api;
  name: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  expect: Expectation;
  /** Larger than the server's body limit (10 MB by default). */
  overLimit?: true;
}

const DEEP = "__DEEP__";
const JSON_HEADERS = { "content-type": "application/json" };

/** A JSON array nested `depth` levels, as text. */
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
/** A JSON object nested `depth` levels ({"a":{"a":…}}), as text. */
const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

function request(api: Api, stream: boolean, parts: { parameters?: unknown; strict?: boolean; format?: unknown; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const { parameters, strict, format, extra = {} } = parts;
  const hasTool = parameters !== undefined;
  if (api === "chat") {
    const fn = { name: "t", description: "a tool", parameters, ...(strict ? { strict: true } : {}) };
    return {
      model: "m",
      stream,
      messages: [{ role: "user", content: "hi" }],
      ...(hasTool ? { tools: [{ type: "function", function: fn }] } : {}),
      ...(format !== undefined ? { response_format: { type: "json_schema", json_schema: { name: "f", schema: format, strict: strict === true } } } : {}),
      ...extra,
    };
  }
  if (api === "responses") {
    return {
      model: "m",
      stream,
      input: "hi",
      ...(hasTool ? { tools: [{ type: "function", name: "t", parameters, ...(strict ? { strict: true } : {}) }] } : {}),
      ...(format !== undefined ? { text: { format: { type: "json_schema", name: "f", schema: format, strict: strict === true } } } : {}),
      ...extra,
    };
  }
  return {
    model: "m",
    stream,
    max_tokens: 64,
    messages: [{ role: "user", content: "hi" }],
    ...(hasTool ? { tools: [{ name: "t", description: "a tool", input_schema: parameters, ...(strict ? { strict: true } : {}) }] } : {}),
    ...(format !== undefined ? { output_config: { format: { type: "json_schema", schema: format } } } : {}),
    ...extra,
  };
}

/** Schemas no validator can enforce as written: each must be a 400 at request time naming the tool and the place. */
const hostileSchemas: [string, unknown][] = [
  ["allOf: 7", { type: "object", allOf: 7 }],
  ["anyOf: []", { type: "object", anyOf: [] }],
  ["oneOf a string", { type: "object", oneOf: "x" }],
  ["not: 3", { type: "object", not: 3 }],
  ["items: 5", { type: "object", properties: { a: { type: "array", items: 5 } } }],
  ["properties an array", { type: "object", properties: [] }],
  ["a property schema 5", { type: "object", properties: { a: 5 } }],
  ["type strin", { type: "object", properties: { a: { type: "strin" } } }],
  ["type []", { type: "object", properties: { a: { type: [] } } }],
  ["required a string", { type: "object", required: "a" }],
  ["minLength -1", { type: "object", properties: { a: { type: "string", minLength: -1 } } }],
  ["maxItems 1.5", { type: "object", properties: { a: { type: "array", maxItems: 1.5 } } }],
  ["multipleOf 0", { type: "object", properties: { a: { type: "number", multipleOf: 0 } } }],
  ["pattern ([", { type: "object", properties: { a: { type: "string", pattern: "([" } } }],
  ["pattern a number", { type: "object", properties: { a: { pattern: 5 } } }],
  ["pattern 10 000 characters", { type: "object", properties: { a: { pattern: "a".repeat(10_000) } } }],
  ["patternProperties key ([", { type: "object", patternProperties: { "([": { type: "string" } } }],
  ["patternProperties an array", { type: "object", patternProperties: [] }],
  ["$ref to nothing", { type: "object", properties: { a: { $ref: "#/$defs/missing" } } }],
  ["$ref remote", { type: "object", properties: { a: { $ref: "https://example.com/s.json" } } }],
  ["$ref a number", { type: "object", properties: { a: { $ref: 5 } } }],
  ["$ref to itself", { type: "object", properties: { a: { $ref: "#/properties/a" } } }],
  ["$ref loop through $defs", { type: "object", $defs: { x: { $ref: "#/$defs/y" }, y: { allOf: [{ $ref: "#/$defs/x" }] } }, properties: { a: { $ref: "#/$defs/x" } } }],
  ["$ref root loop via not", { type: "object", properties: { a: { not: { $ref: "#/properties/a" } } } }],
  ["$recursiveRef", { type: "object", $recursiveAnchor: true, properties: { a: { $recursiveRef: "#" } } }],
  ["enum a string", { type: "object", properties: { a: { enum: "x" } } }],
  ["dependentRequired 5", { type: "object", dependentRequired: 5 }],
  ["dependencies of numbers", { type: "object", dependencies: { a: 5 } }],
  ["format 7", { type: "object", properties: { a: { format: 7 } } }],
  ["$defs 5", { type: "object", $defs: 5 }],
  ["if a string", { type: "object", if: "x" }],
  ["schema nested 60 levels", JSON.parse(deepSchemaText(60))],
  ["duplicate $id", { type: "object", properties: { a: { $id: "https://x.test/a" }, b: { $id: "https://x.test/a" } } }],
];

function deepSchemaText(levels: number): string {
  return '{"type":"object","properties":{"a":'.repeat(levels) + '{"type":"string"}' + "}}".repeat(levels);
}

/** Strict tools (and JSON output formats) that break Anthropic's structured-output rules (Messages only). */
const anthropicStrictBreakers: [string, unknown][] = [
  ["no additionalProperties", { type: "object", properties: { a: { type: "string" } } }],
  ["minLength", { type: "object", properties: { a: { type: "string", minLength: 1 } }, additionalProperties: false }],
  ["minItems 2", { type: "object", properties: { a: { type: "array", minItems: 2 } }, additionalProperties: false }],
  ["oneOf", { type: "object", properties: { a: { oneOf: [{ type: "string" }] } }, additionalProperties: false }],
  ["root anyOf", { anyOf: [{ type: "object" }] }],
  ["recursive $ref", { type: "object", properties: { a: { $ref: "#" } }, additionalProperties: false }],
  ["word boundary", { type: "object", properties: { a: { type: "string", pattern: "\\bx" } }, additionalProperties: false }],
  ["25 optional properties", { type: "object", properties: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, { type: "string" }])), additionalProperties: false }],
];

/** Strict tools that break OpenAI's Structured Outputs rules (Chat and Responses; Messages has its own list above). */
const strictBreakers: [string, unknown][] = [
  ["no additionalProperties", { type: "object", properties: { a: { type: "string" } }, required: ["a"] }],
  ["a property not required", { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, required: ["a"], additionalProperties: false }],
  ["minLength", { type: "object", properties: { a: { type: "string", minLength: 1 } }, required: ["a"], additionalProperties: false }],
  ["allOf", { type: "object", properties: {}, additionalProperties: false, allOf: [{}] }],
  ["root anyOf", { anyOf: [{ type: "object" }] }],
  ["nested object open", { type: "object", properties: { a: { type: "object", properties: {} } }, required: ["a"], additionalProperties: false }],
  // Valid ECMA-262 that RE2 cannot run: left unenforced without strict (see unenforcedPatterns), refused with it.
  ...(["^(a)\\1$", "^(?=a)a+$", "(?<!b)a", "^.{1,5000}$"].map((pattern) => [
    `pattern ${pattern}`,
    { type: "object", properties: { a: { type: "string", pattern } }, required: ["a"], additionalProperties: false },
  ]) as [string, unknown][]),
];

function jsonRequests(api: Api, stream: boolean): BadRequest[] {
  const out: BadRequest[] = [];
  const add = (name: string, body: unknown, expect: Expectation, deepText?: string) => {
    let text = JSON.stringify(body);
    if (deepText !== undefined) text = text.replace(JSON.stringify(DEEP), deepText);
    out.push({ api, name: `${name}${stream ? " (stream)" : ""}`, body: text, headers: JSON_HEADERS, expect });
  };
  for (const [name, schema] of hostileSchemas) {
    const nested = { type: "object", properties: { outer: schema } };
    add(`tool schema: ${name}`, request(api, stream, { parameters: schema }), "schema");
    add(`tool schema, nested: ${name}`, request(api, stream, { parameters: nested }), "schema");
    // Anthropic's output format has no name to put in the message; a 400 with the pointer is all it can say.
    add(`response_format schema: ${name}`, request(api, stream, { format: schema }), api === "messages" ? "client" : "schema");
    add(`response_format schema, nested: ${name}`, request(api, stream, { format: nested }), api === "messages" ? "client" : "schema");
  }
  // Without strict, the same schemas are accepted (or refused for another reason): never a 5xx.
  for (const [name, schema] of strictBreakers) add(`not strict: ${name}`, request(api, stream, { parameters: schema }), "any");
  if (api !== "messages") {
    for (const [name, schema] of strictBreakers) {
      add(`strict tool: ${name}`, request(api, stream, { parameters: schema, strict: true }), "schema");
      add(`strict response_format: ${name}`, request(api, stream, { format: schema, strict: true }), "schema");
    }
  } else {
    for (const [name, schema] of anthropicStrictBreakers) {
      add(`strict tool: ${name}`, request(api, stream, { parameters: schema, strict: true }), "schema");
      add(`output_config.format: ${name}`, request(api, stream, { format: schema }), "client");
    }
  }
  for (const depth of [129, 5_000, 100_000]) {
    add(`deep tool schema ${depth}`, request(api, stream, { parameters: { type: "object", properties: { a: DEEP } } }), "client", deepObject(depth));
    add(`deep value in the body ${depth}`, request(api, stream, { extra: { metadata: DEEP } }), "client", deepArray(depth));
    add(`deep content ${depth}`, request(api, stream, { extra: api === "responses" ? { input: DEEP } : { messages: DEEP } }), "client", deepArray(depth));
    if (api === "messages") add(`deep tool_use input ${depth}`, historyWithArguments(api, stream, JSON.stringify(DEEP)), "client", deepObject(depth));
    else add(`deep history arguments ${depth}`, historyWithArguments(api, stream, JSON.stringify(deepObject(depth))), "client");
    add(`deep response_format ${depth}`, request(api, stream, { format: DEEP }), "client", deepObject(depth));
  }
  if (api !== "messages") add("history arguments nested 128 (the limit)", historyWithArguments(api, stream, JSON.stringify(deepObject(127))), "any");
  for (const [name, change] of wrongTypes(api)) add(`wrong type: ${name}`, { ...request(api, stream), ...change }, "client");
  for (const [name, change] of hugeValues(api)) add(`huge: ${name}`, { ...request(api, stream), ...change }, "any");
  out.push({ api, name: `11 MB body${stream ? " (stream)" : ""}`, body: JSON.stringify({ ...request(api, stream), padding: "p".repeat(11 * 1024 * 1024) }), headers: JSON_HEADERS, expect: "client", overLimit: true });
  return out;
}

function historyWithArguments(api: Api, stream: boolean, argumentsText: string): Record<string, unknown> {
  const tools = { parameters: { type: "object", properties: {} } };
  if (api === "chat") {
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "t", arguments: JSON.parse(argumentsText) as string } }] },
      { role: "tool", tool_call_id: "c1", content: "ok" },
    ];
    return request(api, stream, { ...tools, extra: { messages } });
  }
  if (api === "responses") {
    const input = [
      { role: "user", content: "hi" },
      { type: "function_call", call_id: "c1", name: "t", arguments: JSON.parse(argumentsText) as string },
      { type: "function_call_output", call_id: "c1", output: "ok" },
    ];
    return request(api, stream, { ...tools, extra: { input } });
  }
  const messages = [
    { role: "user", content: "hi" },
    { role: "assistant", content: [{ type: "tool_use", id: "c1", name: "t", input: { a: JSON.parse(argumentsText) as string } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "c1", content: "ok" }] },
  ];
  return request(api, stream, { ...tools, extra: { messages } });
}

function wrongTypes(api: Api): [string, Record<string, unknown>][] {
  const content = api === "responses" ? "input" : "messages";
  const tools = api === "chat" ? [{ type: "function", function: { name: "" } }] : api === "responses" ? [{ type: "function", name: "" }] : [{ name: "" }];
  return [
    ["model 5", { model: 5 }],
    ["model missing", { model: undefined }],
    ["model unknown", { model: "no-such-model" }],
    ["model empty", { model: "" }],
    [`${content} a number`, { [content]: 7 }],
    [`${content} empty`, { [content]: [] }],
    [`${content} [5]`, { [content]: [5] }],
    [`${content} [null]`, { [content]: [null] }],
    ["role bogus", { [content]: [{ role: "bogus", content: "x" }] }],
    ["content 7", { [content]: [{ role: "user", content: 7 }] }],
    ["content part without type", { [content]: [{ role: "user", content: [{ text: "x" }] }] }],
    ["content part image without data", { [content]: [{ role: "user", content: [{ type: api === "chat" ? "image_url" : api === "responses" ? "input_image" : "image" }] }] }],
    ["tools an object", { tools: {} }],
    ["tools [5]", { tools: [5] }],
    ["tool name empty", { tools }],
    ["tool name 10 000 characters", { tools: nameTools(api, "n".repeat(10_000)) }],
    ["tool name with a newline", { tools: nameTools(api, "a\nb") }],
    ["duplicate tools", { tools: [...nameTools(api, "d"), ...nameTools(api, "d")] }],
    ["tool_choice unknown tool", { tools: nameTools(api, "x"), tool_choice: toolChoice(api, "y") }],
    ["tool_choice a number", { tool_choice: 3 }],
    ["max tokens -1", { [api === "chat" ? "max_tokens" : api === "responses" ? "max_output_tokens" : "max_tokens"]: -1 }],
    ["max tokens a string", { [api === "responses" ? "max_output_tokens" : "max_tokens"]: "many" }],
    ["temperature hot", { temperature: "hot" }],
    ["temperature 1e308", { temperature: 1e308 }],
    ["stream yes", { stream: "yes" }],
    ["top_p an object", { top_p: {} }],
    ...(api === "responses" ? [] : ([["stop 5", { [api === "messages" ? "stop_sequences" : "stop"]: 5 }]] as [string, Record<string, unknown>][])),
    ...(api === "chat" ? [] : ([["metadata a string", { metadata: "m" }]] as [string, Record<string, unknown>][])),
    ["tool result without a call", historyOrphan(api)],
  ];
}

function nameTools(api: Api, name: string): unknown[] {
  const parameters = { type: "object", properties: {} };
  if (api === "chat") return [{ type: "function", function: { name, parameters } }];
  if (api === "responses") return [{ type: "function", name, parameters }];
  return [{ name, input_schema: parameters }];
}

function toolChoice(api: Api, name: string): unknown {
  if (api === "chat") return { type: "function", function: { name } };
  if (api === "responses") return { type: "function", name };
  return { type: "tool", name };
}

function historyOrphan(api: Api): Record<string, unknown> {
  if (api === "chat") return { messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] };
  if (api === "responses") return { input: [{ type: "function_call_output", call_id: "nope", output: "x" }] };
  return { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "nope", content: "x" }] }] };
}

function hugeValues(api: Api): [string, Record<string, unknown>][] {
  const big = "x".repeat(2_000_000);
  return [
    ["2 MB message", api === "responses" ? { input: big } : { messages: [{ role: "user", content: big }] }],
    ["tool description 1 MB", { tools: api === "chat" ? [{ type: "function", function: { name: "t", description: "d".repeat(1_000_000) } }] : api === "responses" ? [{ type: "function", name: "t", description: "d".repeat(1_000_000) }] : [{ name: "t", description: "d".repeat(1_000_000), input_schema: { type: "object" } }] }],
    ["500 tools", { tools: Array.from({ length: 500 }, (_, i) => nameTools(api, `t${i}`)[0]) }],
    ["enum of 100 000 values", { tools: api === "messages" ? [{ name: "t", input_schema: { type: "object", properties: { a: { enum: Array.from({ length: 100_000 }, (_, i) => i) } } } }] : request(api, false, { parameters: { type: "object", properties: { a: { enum: Array.from({ length: 100_000 }, (_, i) => i) } } } }).tools }],
  ];
}

/** Bodies that are not a JSON object, or not UTF-8, or sent as something else. */
function rawRequests(api: Api): BadRequest[] {
  const valid = JSON.stringify(request(api, false));
  const encoder = new TextEncoder();
  const raw: [string, string | Uint8Array, Record<string, string>][] = [
    ["empty body", "", JSON_HEADERS],
    ["whitespace body", "   \n ", JSON_HEADERS],
    ["truncated JSON", valid.slice(0, valid.length - 3), JSON_HEADERS],
    ["a JSON array", "[]", JSON_HEADERS],
    ["JSON null", "null", JSON_HEADERS],
    ["a JSON number", "1", JSON_HEADERS],
    ["a JSON string", '"hi"', JSON_HEADERS],
    ["trailing garbage", `${valid}xyz`, JSON_HEADERS],
    ["NaN", valid.replace('"stream":false', '"stream":NaN'), JSON_HEADERS],
    ["byte order mark", `\ufeff${valid}`, JSON_HEADERS],
    ["text/plain", valid, { "content-type": "text/plain" }],
    ["no content-type", valid, {}],
    ["multipart", valid, { "content-type": "multipart/form-data; boundary=x" }],
    ["form encoded", "model=m&messages=hi", { "content-type": "application/x-www-form-urlencoded" }],
    ["invalid UTF-8 in a string", concat(encoder.encode(valid.slice(0, -1)), new Uint8Array([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])), JSON_HEADERS],
    ["invalid UTF-8 outside strings", concat(new Uint8Array([0xff, 0xfe]), encoder.encode(valid)), JSON_HEADERS],
    ["lone surrogate escape", valid.replace('"hi"', '"\\ud800 \\udfff"'), JSON_HEADERS],
    ["NUL bytes", valid.replace('"hi"', '"a\\u0000b"'), JSON_HEADERS],
    ["100 000 unclosed brackets", "[".repeat(100_000), JSON_HEADERS],
    ["100 000 closing brackets", "]".repeat(100_000), JSON_HEADERS],
    ["100 000 quotes and backslashes", `{"a":"${"\\\\".repeat(50_000)}"}`, JSON_HEADERS],
    ["duplicate keys", valid.replace("{", '{"model":5,'), JSON_HEADERS],
  ];
  return raw.map(([name, body, headers]) => ({ api, name: `raw: ${name}`, body, headers, expect: name === "lone surrogate escape" || name === "invalid UTF-8 in a string" || name === "NUL bytes" || name === "byte order mark" || name === "no content-type" || name === "text/plain" || name === "multipart" || name === "duplicate keys" ? "any" : "client" }));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function buildCorpus(): BadRequest[] {
  return APIS.flatMap((api) => [...jsonRequests(api, false), ...jsonRequests(api, true), ...rawRequests(api)]);
}

/** A tool whose schema holds a catastrophic pattern, declared by the model-output cases. */
const patternTool = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" }, a: {} } };

/**
 * Tool calls an upstream with native tools sends back (the double's script looks for `produce:<kind>` in the prompt).
 * Hostile arguments from a model must not crash the server either: they end as a violation, never as a 500.
 */
export const MODEL_OUTPUTS: Record<string, { name: string; arguments: string }[]> = {
  "deep-args": [{ name: "t", arguments: `{"a":${deepArray(100_000)}}` }],
  "deep-args-129": [{ name: "t", arguments: `{"a":${deepArray(128)}}` }],
  "deep-args-128": [{ name: "t", arguments: `{"a":${deepArray(127)}}` }],
  "redos-args": [{ name: "t", arguments: JSON.stringify({ s: `${"a".repeat(60)}!` }) }],
  "huge-args": [{ name: "t", arguments: JSON.stringify({ s: "a".repeat(1_000_000) }) }],
  "invalid-json": [{ name: "t", arguments: '{"a":' }],
  "array-args": [{ name: "t", arguments: "[1,2]" }],
  "unknown-tool": [{ name: "nope", arguments: "{}" }],
  "proto-args": [{ name: "t", arguments: '{"__proto__":{"s":"x"},"constructor":{"prototype":1}}' }],
  "lone-surrogate": [{ name: "t", arguments: '{"s":"\\ud800"}' }],
  "many-calls": Array.from({ length: 200 }, () => ({ name: "t", arguments: '{"s":"aa"}' })),
};

/**
 * Call markup an emulated upstream writes (`{nonce}` is replaced by the nonce of the prompt it received): toolshim's own
 * marker and a foreign format, with hostile arguments.
 */
export const MODEL_TEXTS: Record<string, string> = {
  "marker-deep-args": `<call:{nonce}>{"name": "t", "arguments": {"a":${deepArray(100_000)}}}</call:{nonce}>`,
  "marker-deep-args-129": `<call:{nonce}>{"name": "t", "arguments": {"a":${deepArray(128)}}}</call:{nonce}>`,
  "marker-redos-args": `<call:{nonce}>{"name": "t", "arguments": {"s": "${"a".repeat(60)}!"}}</call:{nonce}>`,
  "marker-huge-args": `<call:{nonce}>{"name": "t", "arguments": {"s": "${"a".repeat(1_000_000)}"}}</call:{nonce}>`,
  "marker-broken-json": `<call:{nonce}>{"name": "t", "arguments": {"s": [[[[{{{</call:{nonce}>`,
  "hermes-deep-args": `<tool_call>\n{"name": "t", "arguments": {"a": ${deepArray(100_000)}}}\n</tool_call>`,
  "hermes-unclosed-deep": `<tool_call>\n{"name": "t", "arguments": ${"[".repeat(100_000)}`,
  "fenced-deep-args": "```json\n" + `{"name": "t", "arguments": {"a": ${deepArray(50_000)}}}` + "\n```",
  "qwen-xml-deep-parameter": `<tool_call>\n<function=t>\n<parameter=a>\n${deepArray(100_000)}\n</parameter>\n</function>\n</tool_call>`,
  "glm-xml-deep-value": `<tool_call>t\n<arg_key>a</arg_key>\n<arg_value>${deepArray(100_000)}</arg_value>\n</tool_call>`,
};

export function modelOutputRequests(): BadRequest[] {
  const kinds = [...Object.keys(MODEL_OUTPUTS).map((kind) => ({ kind, model: "native" })), ...Object.keys(MODEL_TEXTS).map((kind) => ({ kind, model: "m" }))];
  return APIS.flatMap((api) =>
    [false, true].flatMap((stream) =>
      kinds.map(({ kind, model }) => {
        const body = request(api, stream, { parameters: patternTool });
        body.model = model;
        if (api === "responses") body.input = `produce:${kind}`;
        else body.messages = [{ role: "user", content: `produce:${kind}` }];
        return { api, name: `model output: ${kind}${stream ? " (stream)" : ""}`, body: JSON.stringify(body), headers: JSON_HEADERS, expect: "any" as const };
      }),
    ),
  );
}
