const OPEN = "<think>";
const CLOSE = "</think>";

export interface ReasoningPiece {
  type: "text" | "reasoning";
  text: string;
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag` (a tag that may complete in the next chunk). */
function partialTagSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

/**
 * Splits `<think>…</think>` blocks out of streamed content, for upstreams that leave reasoning inline (llama.cpp with
 * `reasoning_format: none`, Ollama without `think`, many Qwen/DeepSeek-R1 builds). Only a possible partial tag at the
 * end of a chunk is held back, so text streams out at once. Whitespace right after `</think>` is dropped, since models
 * put a blank line there that is not part of the answer.
 */
export class ReasoningSplitter {
  private inside = false;
  private held = "";
  private trimNext = false;

  push(chunk: string): ReasoningPiece[] {
    const pieces: ReasoningPiece[] = [];
    let rest = this.held + chunk;
    this.held = "";
    while (rest !== "") {
      if (this.trimNext) {
        rest = rest.replace(/^\s+/, "");
        if (rest === "") break;
        this.trimNext = false;
      }
      const tag = this.inside ? CLOSE : OPEN;
      const at = rest.indexOf(tag);
      if (at >= 0) {
        this.emit(pieces, rest.slice(0, at));
        rest = rest.slice(at + tag.length);
        this.inside = !this.inside;
        this.trimNext = !this.inside;
        continue;
      }
      const keep = partialTagSuffix(rest, tag);
      this.emit(pieces, rest.slice(0, rest.length - keep));
      this.held = rest.slice(rest.length - keep);
      break;
    }
    return pieces;
  }

  /** The text held back at the end of the stream (a partial tag that never completed). */
  flush(): ReasoningPiece[] {
    const pieces: ReasoningPiece[] = [];
    this.emit(pieces, this.held);
    this.held = "";
    return pieces;
  }

  private emit(pieces: ReasoningPiece[], text: string) {
    if (text === "") return;
    const type = this.inside ? "reasoning" : "text";
    const last = pieces.at(-1);
    if (last?.type === type) last.text += text;
    else pieces.push({ type, text });
  }
}
