import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import { serverCli } from "./server-cli.js";

/** The model ids every gateway serves, all backed by the same emulating upstream. */
export const MODELS = {
  /** Default settings: arguments streamed in fragments after each call's opening delta. */
  default: "emulated",
  /** `argumentsInOneDelta: true`: each call sent at once, its whole arguments in the delta after its opening delta. */
  oneDelta: "emulated-one-delta",
} as const;

export interface GatewayOptions {
  /** Extra model entries for the config file (same provider, `local`). */
  models?: Record<string, unknown>[];
  /** Extra `server:` settings. */
  server?: Record<string, unknown>;
}

export interface Gateway {
  /** The upstream "model": an OpenAI-compatible protocol double that rejects native tools. */
  double: OpenAIDouble;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** OpenAI base URL (`url` + `/v1`). */
  baseURL: string;
  /** What the server wrote to stderr (startup line, crashes). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * The real `toolshim serve` process on a loopback port, in front of the OpenAI double. The double answers 400 to any
 * request carrying native `tools`, and the provider runs with `tools: emulate`, so every tool call a client sees was
 * rendered into the prompt and parsed back out of the model's text. One gateway per test file is plenty.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const double = await startOpenAIDouble({ tools: "reject" });
  const dir = await mkdtemp(join(tmpdir(), "toolshim-conformance-"));
  const config = join(dir, "toolshim.json");
  await writeFile(
    config,
    JSON.stringify({
      server: { keepAliveMs: 1000, ...options.server },
      providers: { local: { use: "generic", baseURL: double.url, tools: "emulate" } },
      models: [
        { id: MODELS.default, provider: "local", upstreamModel: "double-model" },
        { id: MODELS.oneDelta, provider: "local", upstreamModel: "double-model", argumentsInOneDelta: true },
        ...(options.models ?? []).map((model) => ({ provider: "local", upstreamModel: "double-model", ...model })),
      ],
      logging: { level: "warn" },
      storage: { kind: "memory" },
    }),
  );
  let server: { child: ChildProcess; url: string; stderr: () => string };
  try {
    server = await spawnServer(config);
  } catch (error) {
    await double.close();
    throw error;
  }
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  return {
    double,
    url: server.url,
    baseURL: `${server.url}/v1`,
    stderr: server.stderr,
    stop: async () => {
      if (server.child.exitCode === null) server.child.kill("SIGTERM");
      await exited;
      await double.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function spawnServer(config: string) {
  const child = spawn(process.execPath, [serverCli(), "serve", "--config", config, "--host", "127.0.0.1", "--port", "0"], {
    env: { ...process.env, TOOLSHIM_CONFIG: undefined, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`toolshim did not start within 15 s\n${stderr}`));
    }, 15_000);
    child.stderr!.on("data", (data) => {
      stderr += data;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`toolshim exited with ${code} before listening\n${stderr}`));
    });
  });
  return { child, url, stderr: () => stderr };
}
