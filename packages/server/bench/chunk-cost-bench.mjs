// What one streamed chunk costs inside toolshim, in one process and one run, against the plain per-chunk work of any
// gateway that reads the upstream's chunks (the gateway bench measures whole processes; this splits the cost):
//
//   plain:     per upstream chunk, JSON.parse of its SSE data, the scanner on its text, one client chunk object,
//              JSON.stringify and UTF-8 encoding of its SSE frame. No stream, no promise, no policy. (A pass-through
//              does none of it: it forwards the upstream's bytes.)
//   pipeline:  the generic provider (fake fetch, same SSE bytes) → engine (emulated tools, provenance, policy) → chunk
//              encoder → the server's SSE framing and UTF-8 encoding, read the way the server reads it. Per chunk from
//              the difference between long and short streams; what is left is the cost per request.
//   Two shapes: the body in 64 KB pieces (a fast upstream: many chunks per read) and one chunk per read (paced).
//
// Usage: node bench/chunk-cost-bench.mjs (after building). Env: BENCH_CHUNK_STREAMS (default 200).
import { createChatCompletion, createChunkSerializer, defaultDialect, generateNonce, readBatches } from "@toolshim/core";
import { createGenericUpstream } from "@toolshim/provider-generic";

const STREAMS = Number(process.env.BENCH_CHUNK_STREAMS ?? 200);
const LONG = 1000;
const SHORT = 20;
const words = "the quick brown fox jumps over a lazy dog while streaming tokens arrive one after another ";
const tool = { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const encoder = new TextEncoder();
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** The SSE data of an upstream chunk, as an OpenAI-compatible server writes it. */
const data = (delta, finish = null) =>
  JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1765000000, model: "double-model", choices: [{ index: 0, delta, finish_reason: finish }] });
function frames(count) {
  const prose = words.repeat(Math.ceil((count * 8) / words.length));
  const out = [];
  for (let i = 0; i < count; i++) out.push(`data: ${data({ content: prose.slice(i * 8, i * 8 + 8) })}\n\n`);
  out.push(`data: ${data({}, "stop")}\n\ndata: [DONE]\n\n`);
  return out;
}

function floorPerChunk() {
  const texts = frames(LONG).slice(0, LONG);
  let bytes = 0;
  const once = () => {
    const scanner = defaultDialect.createScanner({ tools: [{ name: "get_weather", parameters: tool.function.parameters }], nonce: generateNonce() });
    for (const frame of texts) {
      const content = JSON.parse(frame.slice(6)).choices[0].delta.content;
      for (const event of scanner.push(content)) {
        if (event.type !== "text") continue;
        const chunk = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "bench", system_fingerprint: "fp_x", choices: [{ index: 0, delta: { content: event.text }, logprobs: null, finish_reason: null }] };
        bytes += encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`).byteLength;
      }
    }
  };
  for (let i = 0; i < 20; i++) once();
  const started = cpuMicros();
  for (let i = 0; i < STREAMS; i++) once();
  if (bytes === 0) throw new Error("nothing encoded");
  return (cpuMicros() - started) / (STREAMS * LONG);
}

/** Body pieces: every frame on its own, or all of them cut into 64 KB pieces. */
function pieces(count, perChunk) {
  const bytes = frames(count).map((frame) => encoder.encode(frame));
  if (perChunk) return bytes;
  const all = new Uint8Array(bytes.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of bytes) {
    all.set(b, at);
    at += b.byteLength;
  }
  const out = [];
  for (let i = 0; i < all.length; i += 65536) out.push(all.subarray(i, i + 65536));
  return out;
}

async function pipelineStream(upstream, id) {
  const result = await createChatCompletion(
    { model: "bench", stream: true, tools: [tool], messages: [{ role: "user", content: `stream-${id}: what is the weather in Oslo?` }] },
    { upstream, upstreamModel: "double-model", signal: new AbortController().signal },
  );
  const serialize = createChunkSerializer();
  const reader = readBatches(result.chunks);
  let bytes = 0;
  for (let batch = await reader.next(); batch !== undefined; batch = await reader.next()) {
    let text = "";
    for (const chunk of batch) text += `data: ${serialize(chunk)}\n\n`;
    bytes += encoder.encode(text).byteLength;
  }
  return bytes;
}

async function pipelineCost(count, perChunk) {
  const body = pieces(count, perChunk);
  const fetch = async () => {
    let i = 0;
    const stream = new ReadableStream({ pull: (c) => (i < body.length ? c.enqueue(body[i++]) : c.close()) }, { highWaterMark: 0 });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };
  const upstream = createGenericUpstream({ name: "bench", baseURL: "http://127.0.0.1:1/v1", tools: "emulate", fetch });
  for (let i = 0; i < 20; i++) await pipelineStream(upstream, i);
  const started = cpuMicros();
  for (let i = 0; i < STREAMS; i++) await pipelineStream(upstream, i);
  return (cpuMicros() - started) / STREAMS;
}

const floor = floorPerChunk();
console.log(`chunk cost bench: ${STREAMS} streams of ${LONG} and of ${SHORT} chunks per shape, CPU time, node ${process.version}`);
console.log(`  plain per-chunk work (JSON.parse + scan + JSON.stringify + UTF-8): ${floor.toFixed(2)} µs per chunk`);
for (const [label, perChunk] of [["64 KB reads", false], ["one chunk per read", true]]) {
  const long = await pipelineCost(LONG, perChunk);
  const short = await pipelineCost(SHORT, perChunk);
  const perChunkCost = (long - short) / (LONG - SHORT);
  const perRequest = short - SHORT * perChunkCost;
  console.log(
    `  pipeline, ${label.padEnd(18)}: ${perChunkCost.toFixed(2)} µs per chunk (${(perChunkCost / floor).toFixed(2)}x the plain work), ` +
      `${(perRequest / 1000).toFixed(2)} ms per request`,
  );
}
