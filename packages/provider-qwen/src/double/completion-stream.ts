import type { ServerResponse } from "node:http";
import type { DoubleAnswer } from "./double-types.js";
import { createdFrame, finishedFrame, keepAliveFrame, type RunningUsage, summaryExtra, typingFrame } from "./frames.js";

export interface StreamIds {
  chatId: string;
  parentId: string;
  responseId: string;
}

/** One completion being streamed: writes the frames, and can be stopped (`/completions/stop`) or notice the client leaving. */
export class CompletionStream {
  #stopped = false;
  #wake: (() => void) | undefined;
  closed = false;

  constructor(
    readonly res: ServerResponse,
    readonly ids: StreamIds,
    readonly options: { frameDelayMs: number; keepAliveMs: number; withPhase: boolean },
  ) {
    res.on("close", () => {
      this.closed = true;
      this.#wake?.();
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Streams `answer`; resolves with how it ended. */
  async run(answer: DoubleAnswer, thinking: boolean, promptTokens: number): Promise<"finished" | "aborted" | "stopped" | "dropped"> {
    const { res, ids } = this;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-actual-status-code": "200", "ga-ap": "ap-southeast-1" });
    res.write(createdFrame(ids));
    for (let i = 0; i < (answer.keepAlivesFirst ?? 0); i++) if (!(await this.#send(keepAliveFrame(ids, now())))) return this.#outcome();
    const usage: RunningUsage = { input: answer.usage?.input ?? promptTokens, output: 0, reasoning: 0, cached: 0 };
    const outputTotal = answer.usage?.output;
    const phase = (name: string) => (this.options.withPhase ? name : null);
    if (thinking) {
      const thoughts: string[] = [];
      for (const paragraph of answer.summary ?? []) {
        thoughts.push(paragraph);
        usage.reasoning += roughTokens(paragraph);
        const extra = summaryExtra(thoughts.map((_, index) => `Step ${index + 1}`), [...thoughts]);
        if (!(await this.#send(typingFrame(ids.responseId, phase("thinking_summary"), "", usage, now(), extra)))) return this.#outcome();
      }
      for (const piece of answer.think ?? []) {
        usage.reasoning += roughTokens(piece);
        if (!(await this.#send(typingFrame(ids.responseId, phase("think"), piece, usage, now())))) return this.#outcome();
      }
      if ((answer.summary ?? answer.think)?.length && !(await this.#send(finishedFrame(ids.responseId, phase(answer.summary ? "thinking_summary" : "think"))))) {
        return this.#outcome();
      }
    }
    for (const [index, piece] of answer.answer.entries()) {
      usage.output = outputTotal !== undefined && index === answer.answer.length - 1 ? outputTotal : usage.output + roughTokens(piece);
      if (!(await this.#send(typingFrame(ids.responseId, phase("answer"), piece, usage, now())))) return this.#outcome();
    }
    if (answer.end === "drop") {
      res.destroy();
      return "dropped";
    }
    if (answer.end === "stall") {
      while (!this.#stopped && !this.closed) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, this.options.keepAliveMs);
        });
        if (!this.#stopped && !this.closed) res.write(keepAliveFrame(ids, now()));
      }
      return this.#outcome();
    }
    res.end(finishedFrame(ids.responseId, phase("answer")));
    return "finished";
  }

  async #send(frame: string): Promise<boolean> {
    if (this.options.frameDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.frameDelayMs));
    if (this.#stopped || this.closed) return false;
    this.res.write(frame);
    return true;
  }

  #outcome(): "aborted" | "stopped" {
    return this.#stopped ? "stopped" : "aborted";
  }
}

const now = () => Math.floor(Date.now() / 1000);

export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
