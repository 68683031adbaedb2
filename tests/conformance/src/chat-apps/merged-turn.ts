/** One assistant turn as a chat app reconstructs it from a Chat Completions stream. */
export interface MergedTurn {
  text: string;
  /** Tool calls in the app's order, arguments as the app holds them (JSON text). */
  calls: { id: string; name: string; arguments: string }[];
  finishReason?: string;
  /** What the app would throw, log or show as an error. */
  errors: string[];
}

/** A chat app's stream merge: parsed `data:` payloads of one response (`[DONE]` excluded) → the turn it shows. */
export type StreamMerge = (chunks: readonly any[]) => MergedTurn;
