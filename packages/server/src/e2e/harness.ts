import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultDialect, type CanonicalMessage, type RenderContext } from "@toolshim/core";
import { startOpenAIDouble, type OpenAIDouble, type RecordedRequest } from "@toolshim/provider-generic/double";
import { stringify as toYaml } from "yaml";
import { readEmulatedPrompt } from "@toolshim/provider-demo";

const cli = new URL("../../dist/cli.js", import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The OpenAI base URL: url + "/v1". */
  baseURL: string;
  /** JSON log lines read so far: stdout is read apart from the stderr banner, so poll for lines logged at start. */
  logs(): Record<string, any>[];
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  process: ChildProcess;
}

let configCounter = 0;

/** Writes a config document to a temp file: YAML (or JSON with `.json`), or `text` verbatim. */
export async function writeConfig(document: unknown, extension: ".yaml" | ".json" | string = ".yaml"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "toolshim-e2e-"));
  const path = join(dir, `config-${++configCounter}${extension}`);
  const text = typeof document === "string" ? document : extension === ".json" ? JSON.stringify(document) : toYaml(document);
  await writeFile(path, text);
  return path;
}

// Servers still running when the test process exits (a failed beforeAll, an interrupted run) are stopped with it.
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  // Logs as JSON lines (no TTY, pretty off) so tests can read them.
  // TOOLSHIM_E2E_NODE runs the server under test on another Node (tests/pack-smoke uses the lowest supported one).
  const child = spawn(process.env.TOOLSHIM_E2E_NODE || process.execPath, [cli, ...args], {
    env: { ...process.env, TOOLSHIM_CONFIG: undefined, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.on("exit", () => running.delete(child));
  return child;
}

/** Runs the CLI to completion (for commands that exit: --help, check, a bad config). */
export function runCli(args: string[], env?: Record<string, string | undefined>, timeoutMs = 30_000): Promise<CliRun> {
  const child = spawnCli(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`toolshim ${args.join(" ")} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

/** Starts `toolshim serve` on a free loopback port and resolves once it prints its URL. */
export async function startCli(options: { config?: string; args?: string[]; env?: Record<string, string | undefined> } = {}): Promise<RunningCli> {
  const args = ["serve", "--port", "0", "--host", "127.0.0.1", ...(options.config ? ["--config", options.config] : []), ...(options.args ?? [])];
  const child = spawnCli(args, options.env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`toolshim did not start within 30 s\n${stderr}`)), 30_000);
    child.stderr!.on("data", (d) => {
      stderr += d;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`toolshim exited with ${code} before listening\n${stderr}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    url,
    baseURL: `${url}/v1`,
    logs: () =>
      stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, any>),
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    process: child,
  };
}

/** A running `toolshim serve` and the protocol double it is configured against. */
export interface GatewayOver<D> {
  double: D;
  server: RunningCli;
  /** Stops the server, then closes the double. */
  stop(): Promise<void>;
}

/**
 * Starts `toolshim serve` with the config `document` in front of an already started double. If the server does not
 * start, the double is closed before the error is rethrown, so a failed start leaves no listener behind.
 */
export async function serveOver<D extends { close(): Promise<void> }>(double: D, document: unknown): Promise<GatewayOver<D>> {
  try {
    const server = await startCli({ config: await writeConfig(document) });
    return {
      double,
      server,
      stop: async () => {
        await server.stop();
        await double.close();
      },
    };
  } catch (error) {
    await double.close();
    throw error;
  }
}

export type EmulatingGateway = GatewayOver<OpenAIDouble>;

/**
 * `toolshim serve` with provider `local` emulating tools in front of an OpenAI double that rejects native tools, so
 * every passing call proves the tools went through emulation. `models` entries get that provider and upstream model;
 * the default is one model, `emulated`.
 */
export async function startEmulatingGateway(options: {
  chunkSize: number;
  server?: Record<string, unknown>;
  models?: Record<string, unknown>[];
}): Promise<EmulatingGateway> {
  const double = await startOpenAIDouble({ tools: "reject", chunkSize: options.chunkSize });
  return serveOver(double, {
    ...(options.server ? { server: options.server } : {}),
    providers: { local: { use: "generic", baseURL: double.url, tools: "emulate" } },
    models: (options.models ?? [{ id: "emulated" }]).map((model) => ({ provider: "local", upstreamModel: "double-model", ...model })),
  });
}

/**
 * A "model" reply for the OpenAI double that calls tools the way a model that read toolshim's instructions would:
 * the nonce comes from the prompt the double received, the markup from the dialect.
 */
export function replyWithCalls(request: RecordedRequest, calls: { name: string; arguments: unknown }[], before = ""): string {
  const nonce = readEmulatedPrompt(request.body.messages as CanonicalMessage[], defaultDialect).nonce;
  if (!nonce) throw new Error("the request the double received carries no tool instructions");
  const context: RenderContext = { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce };
  return before + calls.map((call) => defaultDialect.renderCall({ id: "", name: call.name, arguments: JSON.stringify(call.arguments) }, context)).join("\n");
}

/** What the last user turn the double received looks like to a model: its words and the tool results in it. */
export function promptOf(request: RecordedRequest) {
  return readEmulatedPrompt(request.body.messages as CanonicalMessage[], defaultDialect);
}
