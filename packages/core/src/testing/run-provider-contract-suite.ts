import { type Upstream, UpstreamError, type UpstreamEvent } from "../upstream.js";

/** What the provider's protocol double should do for the next request. */
export type ContractScenario =
  /** Answer with these text pieces, in order, then end normally (reporting `usage` if the wire format can). */
  | { kind: "text"; chunks: string[]; usage?: { inputTokens: number; outputTokens: number } }
  /** Refuse the request with this HTTP status before streaming anything. */
  | { kind: "http-error"; status: number }
  /** Send these text pieces, then cut the connection without the wire format's end marker. */
  | { kind: "drop"; chunks: string[] }
  /** Send these text pieces, then go silent with the connection open. */
  | { kind: "stall"; chunks: string[] };

export interface ProviderContractHarness {
  upstream: Upstream;
  /** A model id the upstream serves. */
  model: string;
  /** Scripts what the double answers to the next request. */
  scenario(scenario: ContractScenario): void | Promise<void>;
  /** True when the provider holds nothing open any more (connections, sessions, accounts); checked after an abort. */
  idle?(): boolean | Promise<boolean>;
  /** Stops the double. `upstream.close()` is called first. */
  close?(): Promise<void>;
}

export interface ProviderContractOptions {
  /** Cases the upstream's wire format cannot express (e.g. "usage" for a web chat that never reports tokens). */
  skip?: ("usage" | "http-error" | "drop")[];
  /** How long an aborted stream may take to stop, and resources to be released, in ms. Default 1000. */
  abortWithinMs?: number;
}

const EVENT_TYPES = new Set(["text", "reasoning", "native-tool-call", "usage", "end"]);
const END_REASONS = new Set(["stop", "length", "content-filter", "tool-calls"]);

/**
 * The contract every provider keeps, as vitest suites: model listing, ordered text, exactly one final `end`, prompt
 * aborts that release resources, typed errors, well-formed usage. Call it at the top level of a test file:
 *
 *   await runProviderContractSuite("generic", async () => ({ upstream, model, scenario: (s) => double.script(s) }));
 *
 * vitest is an optional peer dependency, loaded only here.
 */
export async function runProviderContractSuite(
  name: string,
  makeHarness: () => ProviderContractHarness | Promise<ProviderContractHarness>,
  options: ProviderContractOptions = {},
): Promise<void> {
  const { describe, it, expect, beforeEach, afterEach } = await import("vitest");
  const abortWithinMs = options.abortWithinMs ?? 1000;
  const skipped = new Set(options.skip ?? []);
  let harness: ProviderContractHarness;

  const request = (model: string) => ({
    model,
    messages: [{ role: "user" as const, content: "Say hello." }],
    options: {},
  });

  async function collect(events: AsyncIterable<UpstreamEvent>): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
    const seen: UpstreamEvent[] = [];
    try {
      for await (const event of events) seen.push(event);
      return { events: seen };
    } catch (error) {
      return { events: seen, error };
    }
  }

  async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  function expectUpstreamError(error: unknown): asserts error is UpstreamError {
    expect(error, "the failure is thrown as an UpstreamError").toBeInstanceOf(UpstreamError);
    const upstreamError = error as UpstreamError;
    expect(typeof upstreamError.status).toBe("number");
    expect(typeof upstreamError.retryable).toBe("boolean");
    expect(upstreamError.message.length).toBeGreaterThan(0);
  }

  describe(`provider contract: ${name}`, () => {
    beforeEach(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await harness.upstream.close?.();
      await harness.close?.();
    });

    it("lists its models with ids and capabilities", async () => {
      const models = await harness.upstream.listModels();
      expect(models.length).toBeGreaterThan(0);
      expect(new Set(models.map((model) => model.id)).size).toBe(models.length);
      expect(models.map((model) => model.id)).toContain(harness.model);
      for (const model of models) {
        expect(typeof model.id === "string" && model.id.length > 0).toBe(true);
        for (const key of ["nativeTools", "reasoning", "systemRole", "vision"] as const) {
          expect(typeof model.capabilities[key], `${model.id}.capabilities.${key}`).toBe("boolean");
        }
      }
    });

    it("streams text in order and ends exactly once, last", async () => {
      const chunks = ["Hel", "lo, ", "wor", "ld ✓ — ", "ünïcode 🎉"];
      await harness.scenario({ kind: "text", chunks, usage: { inputTokens: 7, outputTokens: 5 } });
      const { events, error } = await collect(harness.upstream.stream(request(harness.model), new AbortController().signal));
      expect(error).toBeUndefined();
      for (const event of events) expect(EVENT_TYPES.has(event.type), `event type ${event.type}`).toBe(true);
      const text = events.flatMap((event) => (event.type === "text" ? [event.text] : [])).join("");
      expect(text).toBe(chunks.join(""));
      expect(events.filter((event) => event.type === "end")).toHaveLength(1);
      const last = events.at(-1);
      expect(last?.type).toBe("end");
      if (last?.type === "end") expect(END_REASONS.has(last.reason)).toBe(true);
    });

    it.skipIf(skipped.has("usage"))("reports usage as non-negative integers before the end", async () => {
      await harness.scenario({ kind: "text", chunks: ["Hi"], usage: { inputTokens: 7, outputTokens: 5 } });
      const { events } = await collect(harness.upstream.stream(request(harness.model), new AbortController().signal));
      const usage = events.filter((event) => event.type === "usage");
      expect(usage.length).toBeGreaterThan(0);
      for (const event of usage) {
        for (const value of [event.inputTokens, event.outputTokens, event.reasoningTokens]) {
          if (value !== undefined) expect(Number.isInteger(value) && value >= 0, `token count ${value}`).toBe(true);
        }
      }
      expect(events.findIndex((event) => event.type === "usage")).toBeLessThan(events.findIndex((event) => event.type === "end"));
    });

    it("stops promptly when aborted mid-stream and releases what it held", async () => {
      await harness.scenario({ kind: "stall", chunks: ["partial"] });
      const controller = new AbortController();
      const iterator = harness.upstream.stream(request(harness.model), controller.signal)[Symbol.asyncIterator]();
      const first = await within(iterator.next(), 5000, "the first event");
      expect(first.done).toBe(false);
      controller.abort();
      const settled = await within(
        (async () => {
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
            if (next.value.type === "end") return "ended normally";
          }
          return "done";
        })().catch(() => "threw"),
        abortWithinMs,
        "stopping after abort",
      );
      expect(settled, "an aborted stream must not report a normal end").not.toBe("ended normally");
      if (harness.idle) {
        const deadline = Date.now() + abortWithinMs;
        let idle = await harness.idle();
        while (!idle && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          idle = await harness.idle();
        }
        expect(idle, "resources released after abort").toBe(true);
      }
    });

    it("does nothing for a signal that is already aborted", async () => {
      await harness.scenario({ kind: "text", chunks: ["never"] });
      const controller = new AbortController();
      controller.abort();
      const { events } = await within(collect(harness.upstream.stream(request(harness.model), controller.signal)), abortWithinMs, "an aborted request");
      expect(events.filter((event) => event.type === "text" || event.type === "end")).toEqual([]);
    });

    it.skipIf(skipped.has("http-error")).each([
      [429, true],
      [503, true],
    ])("throws a typed UpstreamError for HTTP %i (retryable: %s)", async (status, retryable) => {
      await harness.scenario({ kind: "http-error", status });
      const { events, error } = await collect(harness.upstream.stream(request(harness.model), new AbortController().signal));
      expect(events.some((event) => event.type === "end")).toBe(false);
      expectUpstreamError(error);
      expect(error.retryable).toBe(retryable);
      if (status === 429) expect(error.status).toBe(429);
      else expect(error.status).toBeGreaterThanOrEqual(500);
    });

    it.skipIf(skipped.has("http-error"))("throws a typed UpstreamError for a refused request (HTTP 400)", async () => {
      await harness.scenario({ kind: "http-error", status: 400 });
      const { error } = await collect(harness.upstream.stream(request(harness.model), new AbortController().signal));
      expectUpstreamError(error);
      expect(error.status).toBeGreaterThanOrEqual(400);
    });

    it.skipIf(skipped.has("drop"))("treats a dropped connection as an error, not a normal end", async () => {
      await harness.scenario({ kind: "drop", chunks: ["half a sen"] });
      const { events, error } = await within(
        collect(harness.upstream.stream(request(harness.model), new AbortController().signal)),
        5000,
        "a dropped stream",
      );
      expect(events.some((event) => event.type === "end")).toBe(false);
      expectUpstreamError(error);
    });
  });
}
