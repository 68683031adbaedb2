import { describe, expect, it } from "vitest";
import { instrumentFetch, newCallRecord, upstreamCallScope } from "./upstream-call.js";

const serve = (body: string, status = 200) => async () => new Response(body, { status });

describe("instrumentFetch", () => {
  it("counts the body bytes a provider reads, with the time of the last one, in the current call's record", async () => {
    const record = newCallRecord();
    const fetch = instrumentFetch(serve("data: héllo\n\n", 201));
    const response = await upstreamCallScope.run(record, () => fetch("http://upstream.invalid/v1/chat/completions"));
    expect(record).toMatchObject({ httpRequests: 1, upstreamStatus: 201, bytes: 0 });
    const reader = response.body!.getReader();
    let read = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) read += chunk.value.byteLength;
    expect(read).toBe(new TextEncoder().encode("data: héllo\n\n").byteLength);
    expect(record.bytes).toBe(read);
    expect(record.lastByteAt).toBeTypeOf("number");
  });

  it("leaves requests made outside a client call (health probes, model listings) alone", async () => {
    const fetch = instrumentFetch(serve("{}"));
    const response = await fetch("http://upstream.invalid/v1/models");
    expect(await response.json()).toEqual({});
  });
});
