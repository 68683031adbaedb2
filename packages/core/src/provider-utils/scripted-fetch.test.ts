import { describe, expect, it } from "vitest";
import { createScriptedFetch } from "./scripted-fetch.js";

describe("createScriptedFetch", () => {
  it("answers with the scripted status and frames, one read per frame, and records the request", async () => {
    const fetch = createScriptedFetch((request, body) => ({ frames: [`got ${request.method} ${body}`, "!"] }));
    const response = await fetch("http://double.invalid/chat", { method: "POST", body: "hi" });
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    const reads: string[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) reads.push(new TextDecoder().decode(read.value));
    expect(reads).toEqual(["got POST hi", "!"]);
    expect(fetch.requests).toMatchObject([{ url: "http://double.invalid/chat", body: "hi" }]);
    expect(fetch.openBodies()).toBe(0);
  });

  it("drops the connection or stalls until aborted, as scripted", async () => {
    const dropping = createScriptedFetch(() => ({ frames: ["a"], end: "drop" }));
    await expect((await dropping("http://x.invalid")).text()).rejects.toThrow("dropped");
    const controller = new AbortController();
    const stalling = createScriptedFetch(() => ({ status: 200, frames: ["a"], end: "stall" }));
    const response = await stalling("http://x.invalid", { signal: controller.signal });
    const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader();
    await reader.read();
    const pending = reader.read();
    expect(stalling.openBodies()).toBe(1);
    controller.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
    expect(stalling.openBodies()).toBe(0);
  });
});
