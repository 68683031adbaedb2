import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDeepSeekDouble, type DeepSeekDouble } from "@toolshim/provider-deepseek/double";
import { startOpenAIDouble, type OpenAIDouble, type RecordedRequest } from "@toolshim/provider-generic/double";
import ensureBuilt from "../../../../packages/server/src/e2e/ensure-built.js";
import {
  promptOf,
  replyWithCalls,
  serveOver,
  startCli,
  writeConfig,
  type GatewayOver,
  type RunningCli,
} from "../../../../packages/server/src/e2e/harness.js";

export { promptOf, replyWithCalls, serveOver, startCli, writeConfig, type GatewayOver, type RunningCli };
export { gatewayForFile } from "../harness/gateway-for-file.js";

/** The emulated model's id clients ask for. */
export const MODEL = "emulated";

export interface Gateway {
  double: OpenAIDouble;
  server: RunningCli;
  /** The config file the server runs with (to restart it on the same storage). */
  config: string;
  /** Where the server keeps stored responses. */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * The real `toolshim serve` process on loopback, in front of the OpenAI-compatible double. The double rejects native
 * tools, so every tool call a test sees went through emulation; responses are stored in SQLite in a temp directory.
 */
export async function startGateway(): Promise<Gateway> {
  ensureBuilt();
  const double = await startOpenAIDouble({ tools: "reject", chunkSize: 5 });
  const dataDir = await mkdtemp(join(tmpdir(), "toolshim-responses-"));
  const config = await writeConfig({
    server: { keepAliveMs: 1000 },
    providers: { local: { use: "generic", baseURL: double.url, tools: "emulate" } },
    models: [{ id: MODEL, provider: "local", upstreamModel: "double-model" }],
    storage: { kind: "sqlite", dir: dataDir },
  });
  const gateway: Gateway = {
    double,
    server: await startCli({ config }),
    config,
    dataDir,
    // Stops whichever server is current: a test may have restarted it on the same storage.
    stop: async () => {
      await gateway.server.stop();
      await double.close();
    },
  };
  return gateway;
}

/**
 * A model that calls `name` with `args` when the last user turn carries no tool results, and otherwise answers with
 * `answer(result contents)`: what a model following toolshim's instructions does across a tool loop.
 */
export function toolLoop(name: string, args: unknown, answer: (results: string[]) => string, before = "") {
  return (request: RecordedRequest) => {
    const { results } = promptOf(request);
    return results.length > 0 ? answer(results.map((result) => result.content)) : replyWithCalls(request, [{ name, arguments: args }], before);
  };
}

export type DeepSeekGateway = GatewayOver<DeepSeekDouble>;

/** The real server in front of the DeepSeek web-chat double, serving `deepseek-reasoner` (thinking streamed as reasoning). */
export async function startDeepSeekGateway(): Promise<DeepSeekGateway> {
  ensureBuilt();
  const double = await startDeepSeekDouble({ tokens: ["conformance-token"], powDifficulty: 300 });
  return serveOver(double, {
    server: { keepAliveMs: 1000 },
    providers: { ds: { use: "deepseek", baseUrl: double.url, accounts: [{ token: "conformance-token" }] } },
    models: [{ id: "deepseek-reasoner", provider: "ds" }],
    storage: { kind: "memory" },
  });
}

/** A DeepSeek reply that thinks, then calls a tool in toolshim's markup, reading the nonce from the flattened prompt. */
export function deepSeekCall(thinking: string, name: string, args: unknown) {
  return (context: { prompt: string }) => {
    const nonce = /<call:([A-Za-z0-9]+)>/.exec(context.prompt)?.[1];
    if (!nonce) throw new Error("the prompt the DeepSeek double received carries no tool instructions");
    return { thinking, text: `<call:${nonce}>${JSON.stringify({ name, arguments: args })}</call:${nonce}>` };
  };
}
