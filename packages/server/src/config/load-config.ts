import { readFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ProviderKind } from "../providers/provider-kind.js";
import { isExternalProvider, loadExternalProviders, packagesForShortName } from "../providers/load-provider.js";
import { providerKinds } from "../providers/registry.js";
import { ConfigError } from "./config-error.js";
import { configSchema, providerTimeoutsSchema, type ProviderTimeoutsConfig, type LoggingConfig, type ModelConfig, type ResponsesConfig, type ConsoleConfig, type ServerConfig, type StateConfig, type StorageConfig } from "./config-schema.js";
import { formatIssues } from "./format-issues.js";
import { interpolateEnv } from "./interpolate-env.js";
import { locateProblems } from "./locate-problems.js";
import { urlCredentialProblems } from "./url-credentials.js";

export interface ProviderConfig {
  use: string;
  /** Validated by the provider kind's own schema. */
  options: unknown;
  /** The provider's definition; absent in hand-built configs, where `use` names a built-in. */
  kind?: ProviderKind;
  /** `providers.<name>.timeouts`; unset limits take the server's defaults. */
  timeouts?: ProviderTimeoutsConfig;
}

export type ResolvedModelConfig = ModelConfig & { upstreamModel: string };

/** A config that passed every check: the server can start from it. */
export interface ToolshimConfig {
  server: ServerConfig;
  providers: Record<string, ProviderConfig>;
  models: ResolvedModelConfig[];
  logging: LoggingConfig;
  /** Stored Responses; absent in hand-built configs means the defaults. */
  storage?: StorageConfig;
  /** How /v1/responses treats what it cannot do; absent means the defaults. */
  responses?: ResponsesConfig;
  /** The web console (/console); absent means off. */
  console?: ConsoleConfig;
  /** Shared state (Redis) for several instances; absent means embedded. */
  state?: StateConfig;
}

export interface ResolveOptions {
  env?: Readonly<Record<string, string | undefined>>;
  kinds?: Readonly<Record<string, ProviderKind>>;
  /** How the config is named in error messages (the file path). */
  source?: string;
}

/** Reads a `.yaml`, `.yml` or `.json` config file and resolves it (see `resolveConfig`). */
export async function loadConfigFile(path: string, options: Omit<ResolveOptions, "source"> = {}): Promise<ToolshimConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    throw new ConfigError(path, [`cannot read the config file: ${reason}`]);
  }
  try {
    const document = parseConfigText(text, path);
    // Providers named by package or path are imported first (paths relative to the config file).
    const external = await loadExternalProviders(usesOf(document), dirname(path)).catch((error: unknown) => {
      throw new ConfigError(path, [error instanceof Error ? error.message : String(error)]);
    });
    return resolveConfig(document, { ...options, kinds: { ...(options.kinds ?? providerKinds), ...external }, source: path });
  } catch (error) {
    // Point at the line and column of each problem, with the value written there and a hint where one helps.
    if (error instanceof ConfigError) throw new ConfigError(path, locateProblems(error.problems, text));
    throw error;
  }
}

/** Parses config text; the format follows the file extension (JSON for `.json`, YAML otherwise). */
export function parseConfigText(text: string, source: string): unknown {
  const extension = extname(source).toLowerCase();
  if (extension && ![".json", ".yaml", ".yml"].includes(extension)) {
    throw new ConfigError(source, [`unsupported config file type "${extension}": use .yaml, .yml or .json`]);
  }
  try {
    return extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [`cannot parse ${extension === ".json" ? "JSON" : "YAML"}: ${(error as Error).message}`]);
  }
}

/**
 * Interpolates `${VAR}` references, validates the document, each provider's options with that provider's schema,
 * and the links between models and providers. Every problem found is reported at once, each with its key path.
 */
export function resolveConfig(document: unknown, options: ResolveOptions = {}): ToolshimConfig {
  const source = options.source ?? "config";
  const kinds = options.kinds ?? providerKinds;
  const interpolated = interpolateEnv(document ?? {}, options.env ?? process.env);
  if (interpolated.problems.length) throw new ConfigError(source, interpolated.problems);

  const parsed = configSchema.safeParse(interpolated.value);
  const problems = parsed.success ? [] : formatIssues(parsed.error.issues);

  // Provider options and model links are checked even when other sections failed, so one run reports everything.
  const sections = (interpolated.value ?? {}) as { providers?: unknown; models?: unknown };
  const rawProviders = isRecord(sections.providers) ? sections.providers : {};
  const providers: Record<string, ProviderConfig> = {};
  for (const [name, entry] of Object.entries(rawProviders)) {
    if (!isRecord(entry) || typeof entry.use !== "string") continue; // reported by the base schema
    // `timeouts` is the server's, common to every kind; the rest is the provider's own.
    const { use, timeouts: rawTimeouts, ...rest } = entry;
    const kind = kinds[use];
    if (!kind) {
      problems.push(
        isExternalProvider(use)
          ? `providers.${name}.use: "${use}" is a package or path; load the config with loadConfigFile (or pass it in kinds)`
          : `providers.${name}.use: unknown provider kind "${use}"; available: ${Object.keys(kinds).join(", ")}, ` +
              `an installed package (${packagesForShortName(use).join(" or ") || "its name"}), or a path`,
      );
      continue;
    }
    problems.push(...urlCredentialProblems(rest, ["providers", name]));
    const timeouts = providerTimeoutsSchema.safeParse(rawTimeouts ?? {});
    if (!timeouts.success) problems.push(...formatIssues(timeouts.error.issues, ["providers", name, "timeouts"]));
    const validated = kind.settings.safeParse(rest);
    if (validated.success) providers[name] = { use, options: validated.data, timeouts: timeouts.data ?? {}, kind };
    else problems.push(...formatIssues(validated.error.issues, ["providers", name]));
  }

  const defined = Object.keys(rawProviders);
  const seen = new Map<string, number>();
  (Array.isArray(sections.models) ? sections.models : []).forEach((model: unknown, index) => {
    if (!isRecord(model)) return;
    if (typeof model.provider === "string" && !Object.hasOwn(rawProviders, model.provider)) {
      problems.push(
        `models[${index}].provider: unknown provider "${model.provider}"; ` +
          (defined.length ? `defined providers: ${defined.join(", ")}` : "no providers are defined under providers:"),
      );
    }
    if (typeof model.id !== "string") return;
    const earlier = seen.get(model.id);
    if (earlier !== undefined) problems.push(`models[${index}].id: "${model.id}" is already used by models[${earlier}]`);
    seen.set(model.id, index);
  });

  if (!parsed.success || problems.length) throw new ConfigError(source, problems);
  const models = parsed.data.models.map((model) => ({ ...model, upstreamModel: model.upstreamModel ?? model.id }));
  // A named key is also a key: everything that checks or masks apiKeys sees it.
  const server = { ...parsed.data.server, apiKeys: [...parsed.data.server.apiKeys, ...parsed.data.server.keys.map((named) => named.key)] };
  return { server, providers, models, logging: parsed.data.logging, storage: parsed.data.storage, responses: parsed.data.responses, console: parsed.data.console, state: parsed.data.state };
}

/** The `use:` values of a parsed, not yet validated config document. */
function usesOf(document: unknown): string[] {
  const providers = isRecord(document) && isRecord(document.providers) ? document.providers : {};
  return Object.values(providers).flatMap((entry) => (isRecord(entry) && typeof entry.use === "string" ? [entry.use] : []));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
