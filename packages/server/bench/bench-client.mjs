// The bench's client: one streamed Chat Completions request with a tool, reading the SSE body as it arrives.
import { performance } from "node:perf_hooks";

export const tool = {
  type: "function",
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

/** One streamed request; returns what arrived: content with arrival times, chunk count, tool calls, finish reason. */
export async function stream(base, id, paced) {
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "bench",
      stream: true,
      tools: [tool],
      messages: [{ role: "user", content: `stream-${id}${paced ? " paced" : ""}: what is the weather in Oslo?` }],
    }),
  });
  if (!response.ok) throw new Error(`${base}: HTTP ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = "";
  let content = "";
  let chunks = 0;
  let toolCalls = 0;
  let finish;
  let reads = 0;
  const arrivals = [];
  for await (const bytes of response.body) {
    const now = performance.now();
    reads++;
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith("data: {")) continue;
      chunks++;
      const choice = JSON.parse(event.slice(6)).choices?.[0];
      if (choice?.delta?.content) {
        content += choice.delta.content;
        arrivals.push([content.length, now]);
      }
      if (choice?.delta?.tool_calls) toolCalls += choice.delta.tool_calls.filter((c) => c.id).length;
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
  }
  return { id, content, chunks, reads, toolCalls, finish, arrivals };
}
