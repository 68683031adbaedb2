import { z } from "zod";
import type { ProviderKind } from "../providers/provider-kind.js";
import { consoleSchema, loggingSchema, modelSchema, providerTimeoutsSchema, responsesSchema, serverSchema, stateSchema, storageSchema } from "./config-schema.js";

/** The TypeScript sources whose doc comments describe the schemas' keys. */
export interface SchemaSources {
  /** packages/server/src/config/config-schema.ts */
  server: string;
  /** Each provider kind's options source, by kind name (e.g. generic: packages/provider-generic/src/options.ts). */
  kinds: Record<string, string>;
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  additionalProperties?: JsonSchema | boolean;
};

/** Each key's doc comment, by the `export const` block it is written in (`serverSchema` → `port` → text). */
function docComments(source: string): Map<string, Map<string, string>> {
  const blocks = new Map<string, Map<string, string>>();
  const starts = [...source.matchAll(/^export const (\w+)/gm)];
  starts.forEach((start, i) => {
    const text = source.slice(start.index, starts[i + 1]?.index ?? source.length);
    const keys = new Map<string, string>();
    for (const match of text.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*"?([\w-]+)"?\??\s*:/g)) {
      const doc = match[1]!.replace(/^\s*\* ?/gm, "").replace(/\s+/g, " ").trim();
      if (!keys.has(match[2]!)) keys.set(match[2]!, doc);
    }
    blocks.set(start[1]!, keys);
  });
  return blocks;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(" | ");
  if (schema.type === "array") return `${schema.items ? typeOf(schema.items) : "any"}[]`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return "map";
  const range = schema.minimum !== undefined && schema.maximum !== undefined && schema.maximum < 2 ** 31 ? ` ${schema.minimum}–${schema.maximum}` : "";
  return `${Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any")}${range}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** One table row per key of `schema` (nested objects get their own rows, `cors.origins`). */
function rows(schema: JsonSchema, defaults: Record<string, unknown>, docs: Map<string, string>, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const fallback = defaults[key] ?? property.default;
    const value = schema.required?.includes(key) ? "required" : fallback === undefined ? "" : `\`${JSON.stringify(fallback)}\``;
    const type = property.properties ? "object" : typeOf(property);
    out.push(`| \`${prefix}${key}\` | ${cell(type)} | ${value} | ${cell(docs.get(key) ?? "")} |`);
    if (property.properties) out.push(...rows(property, (fallback ?? {}) as Record<string, unknown>, docs, `${prefix}${key}.`));
  }
  return out;
}

function section(title: string, intro: string, schema: z.ZodType, docs: Map<string, string> | undefined, defaults: Record<string, unknown> = {}): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return [`## ${title}`, "", intro, "", "| key | type | default | what |", "|---|---|---|---|", ...rows(json, defaults, docs ?? new Map()), ""].join("\n");
}

/** The configuration reference page, generated from the zod schemas the server validates with and their doc comments. */
export function configReference(sources: SchemaSources, kinds: Readonly<Record<string, ProviderKind>>): string {
  const docs = docComments(sources.server);
  const parts = [
    "# Configuration reference",
    "",
    "<!-- Generated from the zod schemas by packages/server/src/config/config-reference.ts: do not edit by hand. Run",
    "`pnpm --filter @toolshim/server docs:config` after changing a schema; a test fails while this page is stale. -->",
    "",
    "Every key of a toolshim config file (YAML or JSON), with its type and default. [The server page](./server.md)",
    "explains how they fit together; values can come from the environment with `${VAR}`.",
    "",
    section("server", "Where and how the gateway listens.", serverSchema, docs.get("serverSchema"), serverSchema.parse({})),
    section("models[]", "The model ids clients see, each tied to a provider.", modelSchema, docs.get("modelSchema")),
    section("logging", "Log lines (JSON, or one readable line per record with `pretty`).", loggingSchema, docs.get("loggingSchema"), loggingSchema.parse({})),
    section("storage", "Stored Responses (`previous_response_id`, `GET /v1/responses/{id}`).", storageSchema, docs.get("storageSchema"), storageSchema.parse({})),
    section("responses", "How `/v1/responses` treats what it cannot do.", responsesSchema, docs.get("responsesSchema"), responsesSchema.parse({})),
    section("console", "The web console at `/console` (see [Web console](./console.md)); off by default.", consoleSchema, docs.get("consoleSchema"), consoleSchema.parse({})),
    section("state", "Shared state for several gateway instances on one Redis (see [Scaling out](./scaling.md)); embedded by default.", stateSchema, docs.get("stateSchema"), stateSchema.parse({})),
    section("providers.&lt;name&gt;.timeouts", "For every provider kind; unset limits come from `server.requestTimeoutMs`.", providerTimeoutsSchema, docs.get("providerTimeoutsSchema")),
  ];
  for (const [name, kind] of Object.entries(kinds)) {
    const kindDocs = new Map<string, string>();
    // The options schema comes last in its file; its comments win over those of the schemas it is built from.
    for (const block of docComments(sources.kinds[name] ?? "").values()) for (const [key, doc] of block) kindDocs.set(key, doc);
    parts.push(section(`providers.&lt;name&gt; with use: ${name}`, `The options of a \`${name}\` provider, next to \`use: ${name}\`.`, kind.settings as z.ZodType, kindDocs));
  }
  return `${parts.join("\n").trimEnd()}\n`;
}
