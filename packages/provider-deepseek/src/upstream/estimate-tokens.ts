/**
 * A rough prompt-token count: the web chat reports output tokens only, and clients use `prompt_tokens` to manage
 * their context, so an estimate beats a zero. About four ASCII characters per token and 0.7 tokens per other
 * character (CJK text tokenises densely); documented as an estimate.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4 + other * 0.7);
}
