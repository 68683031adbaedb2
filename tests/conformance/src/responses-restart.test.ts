import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type Gateway, MODEL, startCli, startGateway, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

describe("stored responses", () => {
  it("survive a restart of the server and can be chained on and deleted afterwards", async () => {
    gateway.double.script({ text: "Oslo is cold." });
    const before = new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 });
    const first = await before.responses.create({ model: MODEL, input: "Weather in Oslo?" });
    const streamed = await before.responses.stream({ model: MODEL, input: "And tomorrow?", previous_response_id: first.id }).finalResponse();

    expect(await gateway.server.stop()).toBe(0);
    gateway.server = await startCli({ config: gateway.config });
    const after = new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 });

    expect((await after.responses.retrieve(first.id)).output).toEqual(first.output);
    // finalResponse() adds client-side fields (`parsed`), so compare what the server sent.
    const restored = await after.responses.retrieve(streamed.id);
    expect(restored.output.map((item) => item.id)).toEqual(streamed.output.map((item) => item.id));
    expect(restored.output_text).toBe(streamed.output_text);

    gateway.double.script({ text: "Still cold." });
    const third = await after.responses.create({ model: MODEL, input: "Sure?", previous_response_id: streamed.id });
    expect(third.output_text).toBe("Still cold.");
    const history = (gateway.double.chatRequests().at(-1)!.body.messages as { role: string; content: string }[]).map((m) => [m.role, m.content]);
    expect(history).toEqual([
      ["user", "Weather in Oslo?"],
      ["assistant", "Oslo is cold."],
      ["user", "And tomorrow?"],
      ["assistant", "Oslo is cold."],
      ["user", "Sure?"],
    ]);

    await after.responses.delete(first.id);
    await expect(after.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    // The chain now has a hole: toolshim says so instead of answering without the lost context.
    await expect(after.responses.create({ model: MODEL, input: "?", previous_response_id: third.id })).rejects.toMatchObject({
      status: 400,
      param: "previous_response_id",
    });
  });
});
