/** One scripted answer: recorded frames (raw body pieces, e.g. SSE lines) and how the body ends. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** Body pieces, each delivered as its own read. */
  frames?: string[];
  /** "close" (default) ends the body; "drop" breaks the connection after the frames; "stall" goes silent until aborted. */
  end?: "close" | "drop" | "stall";
}

export type ScriptedFetch = typeof globalThis.fetch & {
  /** Every request received, in order (bodies already read as text). */
  readonly requests: { url: string; method: string; headers: Headers; body: string }[];
  /** Bodies still open (a stalled one not yet aborted, or one the provider never finished reading). */
  openBodies(): number;
};

/**
 * A `fetch` that answers from a script instead of the network, so a provider (and the shared contract suite) runs
 * against recorded frames with no HTTP double. `reply` sees each request and returns what to answer.
 */
export function createScriptedFetch(reply: (request: Request, body: string) => ScriptedReply | Promise<ScriptedReply>): ScriptedFetch {
  const requests: ScriptedFetch["requests"] = [];
  let open = 0;
  const scripted = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = await request.text();
    requests.push({ url: request.url, method: request.method, headers: request.headers, body });
    request.signal.throwIfAborted();
    const script = await reply(request, body);
    return new Response(scriptedBody(script, request.signal, (delta) => (open += delta)), {
      status: script.status ?? 200,
      headers: script.headers ?? { "content-type": "text/event-stream" },
    });
  };
  return Object.assign(scripted, { requests, openBodies: () => open }) as ScriptedFetch;
}

function scriptedBody(script: ScriptedReply, signal: AbortSignal, count: (delta: number) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const frames = [...(script.frames ?? [])];
  let settled = false;
  const settle = () => {
    if (!settled) count(-1);
    settled = true;
  };
  count(1);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener("abort", () => {
        if (settled) return;
        settle();
        controller.error(signal.reason);
      }, { once: true });
    },
    // One frame per read, so a provider sees the pieces as separate network reads.
    pull(controller) {
      const frame = frames.shift();
      if (frame !== undefined) return controller.enqueue(encoder.encode(frame));
      if (script.end === "stall") return new Promise<void>(() => {});
      settle();
      if (script.end === "drop") controller.error(new TypeError("terminated: the scripted connection dropped"));
      else controller.close();
    },
    cancel: settle,
  });
}
