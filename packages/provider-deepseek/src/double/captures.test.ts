import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CAPTURES, type CaptureId } from "./captures.js";
import { replayRounds } from "./replay-rounds.js";
import { decodeStream, fragmentText } from "./test-support/raw-client.js";

// The protocol reference lives outside the repository (the team's shared notes); when it is present, the captures
// must still be exactly its §11 blocks.
const REFERENCE = process.env.DEEPSEEK_PROTOCOL_REFERENCE ?? "/work/shared/reference/deepseek-web-protocol.md";
const ids = Object.keys(CAPTURES) as CaptureId[];

/** The first fenced block after the appendix heading "### <id>. ", without its fence lines. */
function extractBlock(doc: string, id: CaptureId): string {
  const heading = doc.indexOf(`\n### ${id}. `, doc.indexOf("\n## 11."));
  const open = doc.indexOf("\n```", heading);
  const start = doc.indexOf("\n", open + 1) + 1;
  const end = doc.indexOf("\n```\n", start - 1);
  return doc.slice(start, end + 1);
}

describe("captures", () => {
  it.skipIf(!existsSync(REFERENCE)).each(ids)("capture %s is byte for byte the reference block", (id) => {
    const doc = readFileSync(REFERENCE, "utf8");
    expect(Buffer.from(CAPTURES[id].text)).toEqual(Buffer.from(extractBlock(doc, id)));
  });

  it("capture A replays as the 4 702-byte original file", () => {
    const [round] = replayRounds("A");
    expect(Buffer.byteLength(round ?? "")).toBe(4702);
    expect(round).toBe(`${CAPTURES.A.text}\n`);
  });

  it.each(ids)("capture %s splits into rounds that rebuild it", (id) => {
    const rounds = replayRounds(id);
    const text = CAPTURES[id].text;
    const uploadLine = text.startsWith("{") ? text.slice(0, text.indexOf("\n") + 1) : "";
    expect(uploadLine + rounds.join("")).toBe(`${text}\n`);
    for (const round of rounds) expect(round.startsWith("event: ready\n")).toBe(true);
    expect(rounds).toHaveLength(id === "F" ? 2 : 1);
  });

  it("capture A decodes, with the generic patch rules, to a finished answer", () => {
    const { root, named } = decodeStream(replayRounds("A")[0] ?? "");
    expect(root.response.status).toBe("FINISHED");
    expect(fragmentText(root, "THINK")).toBe("我们只需要输出markdown格式的示例，展示四五个类型。比如标题、列表、代码块、表格、引用等。直接输出即可。");
    expect(fragmentText(root, "RESPONSE").startsWith("```markdown\n# 一级标题\n")).toBe(true);
    expect(named.map((e) => e.event)).toEqual(["ready", "update_session", "finish", "update_session", "title", "close"]);
  });

  it("capture E decodes to CONTENT_FILTER with the fragments replaced by the refusal template", () => {
    // The excerpt's gap line is not an SSE field line the decoder uses; every data line around it is complete.
    const { root, named } = decodeStream(replayRounds("E")[0] ?? "");
    expect(root.response.status).toBe("CONTENT_FILTER");
    expect(root.response.quasi_status).toBe("CONTENT_FILTER");
    expect(root.response.fragments).toEqual([{ id: 38, type: "TEMPLATE_RESPONSE", content: "你好，这个问题我暂时无法回答，让我们换个话题再聊聊吧。" }]);
    expect(named.map((e) => e.event)).not.toContain("title");
  });
});
