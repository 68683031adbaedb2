// The OpenAI double for the gateway bench, in its own process so its CPU does not count against either proxy.
// Every reply is the same conversation turn: `[stream-K] ` then CHUNKS pieces of prose, then one tool call written
// the way a model that read toolshim's instructions would (the nonce is learned from the prompt through the dialect).
import { defaultDialect } from "@toolshim/core";
import { startOpenAIDouble } from "@toolshim/provider-generic/double";

const chunks = Number(process.env.BENCH_CHUNKS ?? 1000);
const chunkSize = 8;
const words = "the quick brown fox jumps over a lazy dog while streaming tokens arrive one after another ";
const prose = words.repeat(Math.ceil((chunks * chunkSize) / words.length)).slice(0, chunks * chunkSize);

// The call markup's shape, learned by rendering a placeholder call: text before and after the nonce.
const probe = defaultDialect.renderCall({ id: "", name: "x", arguments: "{}" }, { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: "zqxnonce" });
const [before, after] = probe.split("zqxnonce");
const nonceIn = new RegExp(`${before.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([a-z0-9]+)${after[0]}`);

const double = await startOpenAIDouble({
  tools: "ignore",
  chunkSize,
  script(request) {
    const text = JSON.stringify(request.body.messages);
    const stream = /stream-\d+/.exec(text)?.[0] ?? "stream-?";
    const nonce = nonceIn.exec(text)?.[1] ?? "zqxnonce";
    const call = defaultDialect.renderCall(
      { id: "", name: "get_weather", arguments: '{"city":"Oslo"}' },
      { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce },
    );
    // The tag is its own chunk so the tap and the client can tell streams apart from the first event.
    const pieces = [`[${stream}] `];
    for (let i = 0; i < prose.length; i += chunkSize) pieces.push(prose.slice(i, i + chunkSize));
    for (let i = 0; i < call.length; i += chunkSize) pieces.push(call.slice(i, i + chunkSize));
    // "paced" requests (the latency phase) get their chunks spaced out, "held" ones (the memory phase) slower still,
    // the others as fast as the socket takes them.
    const delayMs = text.includes(" held")
      ? Number(process.env.BENCH_HOLD_PACE_MS ?? 100)
      : text.includes(" paced")
        ? Number(process.env.BENCH_PACE_MS ?? 3)
        : 0;
    return { text: pieces, delayMs };
  },
});
process.stdout.write(`${double.url}\n`);
process.on("SIGTERM", () => double.close().then(() => process.exit(0)));
