import type { UpstreamRequest } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { serializeRequest } from "./serialize-request.js";

const settings = { native: true, stream: false, systemRole: true, developerRole: false };
const sky = { type: "image", url: "https://x/sky.png" } as const;

describe("serializeRequest", () => {
  it("sends the images of tool results after the run of tool messages, since tool messages take only text", () => {
    const request = {
      model: "m",
      messages: [
        { role: "user", content: "Sky?" },
        { role: "assistant", content: null, toolCalls: [{ id: "a", name: "look", arguments: "{}" }, { id: "b", name: "look", arguments: "{}" }] },
        { role: "tool", toolCallId: "a", name: "look", content: "blue", parts: [{ type: "text", text: "blue" }, sky] },
        { role: "tool", toolCallId: "b", name: "look", content: "grey" },
        { role: "user", content: "Thanks" },
      ],
      options: {},
    } as UpstreamRequest;
    expect(serializeRequest(request, settings).messages).toEqual([
      { role: "user", content: "Sky?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "a", type: "function", function: { name: "look", arguments: "{}" } },
          { id: "b", type: "function", function: { name: "look", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: "blue" },
      { role: "tool", tool_call_id: "b", content: "grey" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/sky.png" } }] },
      { role: "user", content: "Thanks" },
    ]);
  });
});
