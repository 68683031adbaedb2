/**
 * The foreign tool-call formats models fall back to, as data. Three kinds of call syntax cover them:
 * - `json`: a `{"name": …, "arguments": {…}}` object (Hermes, LM Studio, Llama 3, Mistral arrays, …);
 * - `named`: the name in markup, then a JSON arguments object (DeepSeek, Kimi, Mistral v11, gpt-oss, …);
 * - `xml`: the name in markup, then one tag per parameter with a raw value (Qwen3-Coder, MiniMax, GLM, …).
 * A wrapper is the markup around one or more calls; wrappers nest (DeepSeek's calls block holds call blocks).
 * Sources for every format: shared/reference/tool-call-formats.md.
 */

export interface JsonSyntax {
  kind: "json";
  /** `{"NAME": {…}}` counts too. */
  shortForm?: boolean;
  /** Nothing around it says it is a call: only `{"name": DECLARED, "arguments": …}` in that order counts. */
  bare?: boolean;
}

export interface NamedSyntax {
  kind: "named";
  /** Markup before the name; empty when the call starts with the name itself. */
  open: string[];
  /** Markup that may precede the name and is not part of it (a type word, a namespace). */
  prefixes: string[];
  /** Characters that end the name. */
  nameStop: string;
  /** Markup allowed between the name and the arguments, in any order, with whitespace. */
  between: string[];
  /** Markup after the arguments and before `close` (a closing code fence). */
  after: string[];
  close: string[];
  /** Kimi K2: the name is followed by `:N`, and the call id is `functions.NAME:N`. */
  indexedId?: boolean;
  /** Mistral: `[CALL_ID]` followed by the call's id. */
  idMarker?: string;
}

export interface XmlSyntax {
  kind: "xml";
  /** Markup before the name; empty when the call starts with the name itself (GLM). */
  open: string[];
  nameStop: string;
  /** Markup right after the name (required when not empty). */
  nameEnd: string[];
  keyOpen: string[];
  keyStop: string;
  keyEnd: string[];
  /** After `keyEnd`: attributes up to `>` (DeepSeek V3.2's `string="true"`). */
  attributes?: boolean;
  valueOpen: string[];
  valueEnd: string[];
  close: string[];
  /** `<function=NAME>{json}</function>`: the body may be a JSON arguments object instead of parameters. */
  jsonBody?: boolean;
  /**
   * String values lose all surrounding whitespace, as the reference parsers do: llama.cpp's Qwen3-Coder parser
   * (`trim_raw_argval`) and vLLM's MiniMax-M2 parser (`.strip()`). Without it only the markup's own newline after
   * the opening tag and before the closing one is removed (GLM, DeepSeek V3.2, whose parsers keep the rest).
   */
  trim?: boolean;
}

export interface WrapperSyntax {
  kind: "wrapper";
  name: string;
  open: string[];
  /** Optional: a missing closer at the end of the output (or before other text) is tolerated. */
  close: string[];
  items: ItemSyntax[];
  /** Several calls in one wrapper. */
  repeat?: boolean;
  /** Calls may be elements of one JSON array. */
  array?: boolean;
  /** Markup allowed between calls (besides whitespace). */
  separators?: string[];
}

export type ItemSyntax = JsonSyntax | NamedSyntax | XmlSyntax | WrapperSyntax;

interface ReasoningSyntax {
  open: string;
  close: string[];
}

/** `<｜tool▁calls▁begin｜>` and the spellings distilled models and chat templates mix up (▁ _ or space, ｜ or |). */
function specialToken(words: string): string[] {
  const spellings = new Set<string>();
  for (const [left, right] of [
    ["<｜", "｜>"],
    ["<|", "|>"],
  ] as const) {
    for (const space of ["▁", "_", " "]) spellings.add(`${left}${words.split(" ").join(space)}${right}`);
  }
  return [...spellings];
}

const JSON_CALL: JsonSyntax = { kind: "json" };
const JSON_SHORT: JsonSyntax = { kind: "json", shortForm: true };

const FUNCTION_TAG: XmlSyntax = {
  kind: "xml",
  open: ["<function="],
  nameStop: "><\n",
  nameEnd: [">"],
  keyOpen: ["<parameter="],
  keyStop: "><\n",
  keyEnd: [">"],
  valueOpen: [],
  valueEnd: ["</parameter>"],
  close: ["</function>"],
  jsonBody: true,
  // Inherited by the `<function name=…>`, `<invoke>` (MiniMax-M2, <function_calls>) and StepTML forms below.
  trim: true,
};

const FUNCTION_NAME_TAG: XmlSyntax = {
  ...FUNCTION_TAG,
  open: ['<function name="'],
  nameStop: '"<>\n',
  nameEnd: ['">'],
  keyOpen: ['<parameter name="'],
  keyStop: '"<>\n',
  keyEnd: ['">'],
};

const INVOKE: XmlSyntax = {
  ...FUNCTION_NAME_TAG,
  open: ['<invoke name="'],
  close: ["</invoke>"],
};

const DSML_INVOKE: XmlSyntax = {
  kind: "xml",
  open: ['<｜DSML｜invoke name="'],
  nameStop: '"<>\n',
  nameEnd: ['">'],
  keyOpen: ['<｜DSML｜parameter name="'],
  keyStop: '"<>\n',
  keyEnd: ['"'],
  attributes: true,
  valueOpen: [],
  valueEnd: ["</｜DSML｜parameter>"],
  close: ["</｜DSML｜invoke>"],
};

const STEPTML_INVOKE: XmlSyntax = {
  ...FUNCTION_NAME_TAG,
  open: ['<steptml:invoke name="'],
  keyOpen: ['<steptml:parameter name="'],
  valueEnd: ["</steptml:parameter>"],
  close: ["</steptml:invoke>"],
  jsonBody: false,
};

/** GLM 4.5+: `<tool_call>NAME<arg_key>K</arg_key><arg_value>V</arg_value></tool_call>`. */
const GLM_CALL: XmlSyntax = {
  kind: "xml",
  open: [],
  nameStop: "<\n{[ ",
  nameEnd: [],
  keyOpen: ["<arg_key>"],
  keyStop: "<\n",
  keyEnd: ["</arg_key>"],
  valueOpen: ["<arg_value>"],
  valueEnd: ["</arg_value>"],
  close: ["</tool_call>"],
};

const TOOL_SEP = specialToken("tool sep");

/** DeepSeek R1/V3 (`function<sep>NAME` + fenced JSON), V3.1 (`NAME<sep>{json}`) and Kimi K2 (`functions.NAME:0`). */
const SPECIAL_TOKEN_CALL: NamedSyntax = {
  kind: "named",
  open: [],
  prefixes: [...TOOL_SEP.map((sep) => `function${sep}`), "functions."],
  nameStop: "<\n{:` ",
  between: [...TOOL_SEP, "```json", "```", "<|tool_call_argument_begin|>", "<｜tool▁call▁argument▁begin｜>"],
  after: ["```"],
  close: [],
  indexedId: true,
};

const SPECIAL_TOKEN_CALL_BLOCK: WrapperSyntax = {
  kind: "wrapper",
  name: "special-token call",
  open: specialToken("tool call begin"),
  close: specialToken("tool call end"),
  items: [SPECIAL_TOKEN_CALL, STEPTML_INVOKE],
};

/** Mistral v11+: `[TOOL_CALLS]NAME[ARGS]{json}`, `[ARGS]` may be stripped; Mistral Small 3.2 adds `[CALL_ID]id`. */
const MISTRAL_NAMED: NamedSyntax = {
  kind: "named",
  open: [],
  prefixes: [],
  nameStop: "[{< \n",
  between: ["[ARGS]"],
  after: [],
  close: [],
  idMarker: "[CALL_ID]",
};

/** gpt-oss (harmony): the recipient `to=functions.NAME` in the channel or in the role header. */
const HARMONY_CALL: NamedSyntax = {
  kind: "named",
  open: ["<|channel|>commentary to=functions.", "<|channel|>analysis to=functions.", "<|start|>assistant to=functions."],
  prefixes: [],
  nameStop: " <\n",
  between: ["<|constrain|>json", "<|constrain|>", "<|channel|>commentary", "<|channel|>analysis", "<|message|>", "json", "code"],
  after: [],
  close: ["<|call|>", "<|end|>"],
};

/** Functionary v3.2: `>>>NAME\n{json}`. */
const FUNCTIONARY_CALL: NamedSyntax = {
  kind: "named",
  open: [">>>"],
  prefixes: [],
  nameStop: "\n{ <",
  between: [],
  after: [],
  close: [],
};

function tagged(name: string, open: string, close: string, items: ItemSyntax[], extra: Partial<WrapperSyntax> = {}): WrapperSyntax {
  return { kind: "wrapper", name, open: [open], close: close ? [close] : [], items, array: true, ...extra };
}

const HERMES_ITEMS: ItemSyntax[] = [JSON_CALL, FUNCTION_TAG, FUNCTION_NAME_TAG, GLM_CALL];
/** The wrapper tags llama.cpp's Hermes parser tolerates around a JSON call. */
const HERMES_TAGS = ["tool_call", "function_call", "tools", "tool", "response", "json", "xml", "JSON"];

/** Wrappers recognised anywhere in the text, outside reasoning and code samples. */
export const WRAPPERS: WrapperSyntax[] = [
  ...HERMES_TAGS.map((tag) => tagged(`hermes <${tag}>`, `<${tag}>`, `</${tag}>`, HERMES_ITEMS)),
  tagged("jamba/minimax <tool_calls>", "<tool_calls>", "</tool_calls>", [JSON_CALL], { repeat: true, separators: [",", ";"] }),
  tagged("lm studio", "[TOOL_REQUEST]", "[END_TOOL_REQUEST]", [JSON_CALL]),
  tagged("mistral", "[TOOL_CALLS]", "[/TOOL_CALLS]", [JSON_CALL, MISTRAL_NAMED]),
  tagged("granite", "<|tool_call|>", "", [JSON_CALL]),
  tagged("nemotron", "<TOOLCALL>", "</TOOLCALL>", [JSON_CALL]),
  tagged("lfm2", "<|tool_call_start|>", "<|tool_call_end|>", [JSON_CALL]),
  tagged("command-r7b", "<|START_ACTION|>", "<|END_ACTION|>", [JSON_CALL]),
  tagged("apertus", "<|tools_prefix|>", "<|tools_suffix|>", [JSON_SHORT]),
  tagged("internlm2", "<|action_start|><|plugin|>", "<|action_end|>", [JSON_CALL]),
  tagged("llama 3.1 <|python_tag|>", "<|python_tag|>", "", [JSON_CALL], { repeat: true, separators: [";"] }),
  tagged("phi-4 / firefunction functools", "functools", "", [JSON_CALL]),
  tagged("seed-oss", "<seed:tool_call>", "</seed:tool_call>", [FUNCTION_TAG], { repeat: true }),
  tagged("minimax-m2", "<minimax:tool_call>", "</minimax:tool_call>", [INVOKE], { repeat: true }),
  tagged("<function_calls>", "<function_calls>", "</function_calls>", [INVOKE], { repeat: true }),
  tagged("deepseek v3.2", "<｜DSML｜function_calls>", "</｜DSML｜function_calls>", [DSML_INVOKE], { repeat: true }),
  {
    kind: "wrapper",
    name: "deepseek / step3 calls block",
    open: [...specialToken("tool calls begin"), ...specialToken("tool calls")],
    close: specialToken("tool calls end"),
    items: [SPECIAL_TOKEN_CALL_BLOCK, SPECIAL_TOKEN_CALL],
    repeat: true,
    // R1-distill opens the block with `<｜tool▁calls｜>` and no call-begin token, yet still ends each call with
    // `<｜tool▁call▁end｜>`: that closer belongs to the block, never to the content.
    separators: [...TOOL_SEP, ...specialToken("tool call end")],
  },
  {
    kind: "wrapper",
    name: "kimi k2 section",
    open: ["<|tool_calls_section_begin|>", "<|tool_call_section_begin|>"],
    close: ["<|tool_calls_section_end|>", "<|tool_call_section_end|>"],
    items: [SPECIAL_TOKEN_CALL_BLOCK],
    repeat: true,
  },
  // A call block whose calls-block opener was lost, or that follows a rejected call in the same block.
  SPECIAL_TOKEN_CALL_BLOCK,
];

/** Calls that start with their own markup, without a wrapper. */
export const BARE_ITEMS: ItemSyntax[] = [FUNCTION_TAG, FUNCTION_NAME_TAG, INVOKE, DSML_INVOKE, HARMONY_CALL, FUNCTIONARY_CALL];

/** A JSON call (or array of calls) with nothing around it: only where no visible text precedes it. */
export const BARE_JSON: WrapperSyntax = {
  kind: "wrapper",
  name: "bare json",
  open: [],
  close: [],
  items: [{ kind: "json", bare: true }],
  array: true,
  repeat: true,
  separators: [";", ","],
};

export const REASONING: ReasoningSyntax[] = [
  { open: "<think>", close: ["</think>"] },
  { open: "<thinking>", close: ["</thinking>"] },
  { open: "<seed:think>", close: ["</seed:think>"] },
  { open: "[THINK]", close: ["[/THINK]"] },
  { open: "<|START_THINKING|>", close: ["<|END_THINKING|>"] },
  { open: "<|inner_prefix|>", close: ["<|inner_suffix|>"] },
  { open: "<|channel|>analysis<|message|>", close: ["<|end|>"] },
];

/** Closers accepted when the prompt already opened the reasoning block. */
export const OPEN_REASONING_CLOSE = ["</think>", "</thinking>", "</seed:think>", "[/THINK]", "<|END_THINKING|>", "<|inner_suffix|>"];

/**
 * End-of-sequence tokens that are also ordinary markup (`</s>` closes HTML strikethrough): dropped only where no
 * visible text precedes them since the last call (Mistral writes `</s>` right after `[TOOL_CALLS]…`).
 */
export const BOUNDARY_SILENT_TOKENS = ["</s>"];

/** Special tokens that carry no text: dropped wherever calls are recognised. */
export const SILENT_TOKENS = [
  ...specialToken("end of sentence"),
  ...specialToken("tool calls end"),
  "<|tool_calls_section_end|>",
  "<|tool_call_section_end|>",
  "<|im_end|>",
  "<|eot_id|>",
  "<|eom_id|>",
  "<|endoftext|>",
  "<|START_RESPONSE|>",
  "<|END_RESPONSE|>",
  "<|start|>assistant",
  "<|channel|>final<|message|>",
  "<|channel|>commentary<|message|>",
  "<|end|>",
  "<|return|>",
  "<|call|>",
  // End-of-turn tokens the formats above write after their calls, seen in text when a server keeps special tokens
  // (llama.cpp preserves some): Seed-OSS, Llama 3 / Granite, GLM, Command R7B, Apertus, Nemotron.
  "<seed:eos>",
  "<|end_of_text|>",
  "<|observation|>",
  "<|END_OF_TURN_TOKEN|>",
  "<|assistant_end|>",
  "<extra_id_1>",
];
