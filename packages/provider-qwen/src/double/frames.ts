/**
 * The double's frames, byte for byte as captured (protocol reference §8.1, §13): `", "` and `": "` separators in
 * delta frames, `response.created` mixing both styles and ending with a space before the blank line, typing and
 * finished frames with their different key orders, no `[DONE]`.
 */

/** JSON with the separators of the upstream's serializer (`", "` and `": "`), key order as given. */
export function spacedJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${spacedJson(item)}`).join(", ")}}`;
}

export function createdFrame(ids: { chatId: string; parentId: string; responseId: string }): string {
  return `data: {"response.created":{"chat_id": "${ids.chatId}", "parent_id": "${ids.parentId}", "response_id":"${ids.responseId}", "response_index": "0"}} \n\n`;
}

export function keepAliveFrame(ids: { chatId: string; responseId: string }, timestamp: number): string {
  return `data: ${spacedJson({ "response.info": { action: "keep_alive", chat_id: ids.chatId, response_id: ids.responseId, timestamp } })}\n\n`;
}

export interface RunningUsage {
  input: number;
  output: number;
  reasoning: number;
  cached: number;
}

export function usageObject(usage: RunningUsage): Record<string, unknown> {
  const outputDetails = usage.reasoning > 0 ? { reasoning_tokens: usage.reasoning, text_tokens: usage.output } : { text_tokens: usage.output };
  return {
    input_tokens: usage.input,
    output_tokens: usage.output,
    characters: 0,
    total_tokens: usage.input + usage.output,
    input_tokens_details: { text_tokens: usage.input },
    output_tokens_details: outputDetails,
    prompt_tokens_details: { cached_tokens: usage.cached },
  };
}

/** A typing frame: `role, content, phase, status` (an `extra` before `status` on summary frames). */
export function typingFrame(responseId: string, phase: string | null, content: string, usage: RunningUsage, timestamp: number, extra?: unknown): string {
  const delta = { role: "assistant", content, phase, extra, status: "typing" };
  return `data: ${spacedJson({ choices: [{ delta }], response_id: responseId, usage: usageObject(usage), timestamp })}\n\n`;
}

/** The last frame of a phase: `content, role, status, phase`, no usage. */
export function finishedFrame(responseId: string, phase: string | null): string {
  return `data: ${spacedJson({ choices: [{ delta: { content: "", role: "assistant", status: "finished", phase } }], response_id: responseId })}\n\n`;
}

/** The cumulative `extra` of a `thinking_summary` frame: every paragraph so far. */
export function summaryExtra(titles: string[], thoughts: string[]): unknown {
  return { summary_title: { content: titles }, summary_thought: { content: thoughts } };
}

export function streamErrorFrame(responseId: string, code: string, details: string): string {
  return `data: ${spacedJson({ error: { code, details }, response_id: responseId })}\n\n`;
}

export function stoppedFrame(responseId: string): string {
  return `data: ${spacedJson({ "response.stopped": { response_id: responseId } })}\n\n`;
}

/** The WAF's captcha answer (reference §10, §13); the real `x5secdata` is long and opaque. */
export const WAF_BODY =
  '{"ret":["FAIL_SYS_USER_VALIDATE","RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"],"data":{"url":"https://chat.qwen.ai:443//api/v2/chat/completions/_____tmd_____/punish?x5secdata=double&x5step=2&action=captcha&pureCaptcha="}}';

export const WAF_HTML =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Verification</title></head><body><div id="baxia-punish">Please slide to verify (人机验证)</div></body></html>';

export const GATEWAY_504 = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>alibaba-ga</center>\r\n</body>\r\n</html>\r\n";
