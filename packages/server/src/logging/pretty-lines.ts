import type { DestinationStream } from "pino";

const LEVELS: Record<number, { label: string; color: string }> = {
  10: { label: "TRACE", color: "90" },
  20: { label: "DEBUG", color: "36" },
  30: { label: "INFO ", color: "32" },
  40: { label: "WARN ", color: "33" },
  50: { label: "ERROR", color: "31" },
  60: { label: "FATAL", color: "41" },
};
const HIDDEN = new Set(["level", "time", "pid", "hostname", "msg"]);
// Shown in the request summary itself, or only useful in JSON logs.
const SUMMARISED = new Set([...HIDDEN, "method", "path", "status", "durationMs", "model", "mode", "toolCalls", "error", "errorCode", "requestId", "stream", "clientAborted"]);

type Record_ = Record<string, unknown>;

function clock(time: unknown): string {
  const date = typeof time === "number" ? new Date(time) : new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Object && "message" in value && typeof value.message === "string") return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function fields(record: Record_, skip: ReadonlySet<string>): string[] {
  return Object.entries(record)
    .filter(([key, value]) => !skip.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${show(value)}`);
}

/** `POST /v1/chat/completions 200 352ms qwen emulate tool_calls=1`, then what went wrong and any other field. */
function requestSummary(record: Record_): string {
  const parts = [String(record.method ?? "?"), String(record.path ?? "?"), String(record.status ?? "-"), `${String(record.durationMs ?? "?")}ms`];
  if (typeof record.model === "string") parts.push(record.model);
  if (typeof record.mode === "string") parts.push(record.mode);
  if (typeof record.toolCalls === "number") parts.push(`tool_calls=${record.toolCalls}`);
  if (record.stream === true) parts.push("stream");
  if (record.clientAborted === true) parts.push("client-aborted");
  if (record.error !== undefined) parts.push(`${record.errorCode ? `${String(record.errorCode)}: ` : ""}${show(record.error)}`);
  return [...parts, ...fields(record, SUMMARISED)].join(" ");
}

/** One human-readable line for one pino record (plus an error's stack, indented, when it has one). */
export function formatPrettyLine(record: Record_, colors: boolean): string {
  const level = LEVELS[Number(record.level)] ?? { label: "LOG  ", color: "0" };
  const paint = (code: string, text: string) => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  const body = record.msg === "request" ? requestSummary(record) : [String(record.msg ?? ""), ...fields(record, HIDDEN)].filter(Boolean).join(" ");
  const err = record.err as { stack?: unknown } | undefined;
  const stack = typeof err?.stack === "string" ? `\n${err.stack.replace(/^/gm, "    ")}` : "";
  return `${paint("90", clock(record.time))} ${paint(level.color, level.label)} ${body}${stack}\n`;
}

/** A pino destination that writes each record as one readable line (pretty logs at a terminal). */
export function createPrettyStream(options: { colors: boolean; write?: (text: string) => void }): DestinationStream {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) {
        if (line.trim() === "") continue;
        let record: Record_;
        try {
          record = JSON.parse(line) as Record_;
        } catch {
          write(`${line}\n`);
          continue;
        }
        write(formatPrettyLine(record, options.colors));
      }
    },
  };
}
