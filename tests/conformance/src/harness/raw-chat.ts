/** A streamed Chat Completions response exactly as it came over the wire. */
export interface RawChatStream {
  status: number;
  contentType: string | null;
  /** The whole response body. */
  text: string;
  /** Parsed `data:` payloads in order, `[DONE]` excluded. */
  chunks: any[];
  /** A `data: [DONE]` line ended the stream. */
  done: boolean;
  /** SSE lines that are neither `data:`, comments nor blank (e.g. `event:`), which chat streams must not have. */
  otherLines: string[];
}

/**
 * POSTs a streaming chat request with plain fetch and keeps the raw SSE, for the chat apps' merge logic that the suite
 * re-implements (they read `data:` lines themselves) and for wire-level checks.
 */
export async function postChat(baseURL: string, body: Record<string, unknown>): Promise<RawChatStream> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer unused" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await response.text();
  const chunks: any[] = [];
  const otherLines: string[] = [];
  let done = false;
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    if (!line.startsWith("data:")) {
      otherLines.push(line);
      continue;
    }
    const data = line.slice(5).trim();
    if (data === "[DONE]") done = true;
    else chunks.push(JSON.parse(data));
  }
  return { status: response.status, contentType: response.headers.get("content-type"), text, chunks, done, otherLines };
}
