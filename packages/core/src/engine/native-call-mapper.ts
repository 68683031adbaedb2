import type { ScanEvent } from "../dialect/dialect.js";
import { type UpstreamEvent, UpstreamError } from "../upstream.js";

type NativeToolCall = Extract<UpstreamEvent, { type: "native-tool-call" }>;

interface OpenCall {
  index: number;
  name?: string;
  id?: string;
  arguments: string;
  started: boolean;
}

/**
 * Turns an upstream's native tool-call deltas into the scanner's event shape, so one policy handles both. A call
 * starts once its name is known and ends when the next call begins or the upstream ends; its arguments must then be
 * JSON, with no arguments meaning "{}".
 */
export class NativeCallMapper {
  #open: OpenCall | undefined;
  readonly #seen = new Set<number>();

  push(event: NativeToolCall): ScanEvent[] {
    const events: ScanEvent[] = [];
    if (this.#open && this.#open.index !== event.index) events.push(...this.#close());
    if (!this.#open) {
      if (this.#seen.has(event.index)) {
        throw new UpstreamError(`The upstream sent more arguments for tool call ${event.index} after a later call began.`, {
          status: 502,
          retryable: false,
          code: "upstream_protocol_error",
        });
      }
      this.#seen.add(event.index);
      this.#open = { index: event.index, arguments: "", started: false };
    }
    const call = this.#open;
    if (event.id && call.id === undefined) call.id = event.id;
    if (!call.started && event.name) call.name = event.name;
    call.arguments += event.argumentsDelta;
    if (!call.started && call.name !== undefined) {
      call.started = true;
      const start: ScanEvent = { type: "call-start", index: call.index, name: call.name };
      if (call.id !== undefined) start.id = call.id;
      events.push(start);
      if (call.arguments !== "") events.push({ type: "call-delta", index: call.index, argumentsDelta: call.arguments });
    } else if (call.started && event.argumentsDelta !== "") {
      events.push({ type: "call-delta", index: call.index, argumentsDelta: event.argumentsDelta });
    }
    return events;
  }

  end(): ScanEvent[] {
    return this.#close();
  }

  #close(): ScanEvent[] {
    const call = this.#open;
    this.#open = undefined;
    if (!call) return [];
    if (!call.started) {
      // A nameless call names no declared tool: the policy rejects it as such.
      return [
        { type: "call-start", index: call.index, name: "" },
        { type: "call-invalid", index: call.index, reason: "the upstream never sent its name" },
      ];
    }
    const events: ScanEvent[] = [];
    if (call.arguments.trim() === "") {
      events.push({ type: "call-delta", index: call.index, argumentsDelta: "{}" });
      events.push({ type: "call-end", index: call.index, arguments: call.arguments + "{}" });
      return events;
    }
    try {
      JSON.parse(call.arguments);
    } catch {
      return [...events, { type: "call-invalid", index: call.index, reason: "its arguments are not complete JSON" }];
    }
    return [...events, { type: "call-end", index: call.index, arguments: call.arguments }];
  }
}
