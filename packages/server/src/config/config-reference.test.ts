import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { providerKinds } from "../providers/registry.js";
import { configReference } from "./config-reference.js";

// apps/docs/configuration-reference.md is generated from the schemas; this fails while it is stale.
// `pnpm --filter @toolshim/server docs:config` runs this file with TOOLSHIM_WRITE_CONFIG_REFERENCE=1 to rewrite it.
const root = new URL("../../../../", import.meta.url);
const page = new URL("apps/docs/configuration-reference.md", root);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

function generate(): string {
  return configReference(
    {
      server: read("packages/server/src/config/config-schema.ts"),
      kinds: {
        generic: read("packages/provider-generic/src/options.ts"),
        demo: read("packages/provider-demo/src/demo-provider.ts"),
        deepseek: read("packages/provider-deepseek/src/upstream/options.ts"),
      },
    },
    providerKinds,
  );
}

describe("the configuration reference page", () => {
  it("is what the schemas generate (run `pnpm --filter @toolshim/server docs:config` to update it)", () => {
    const generated = generate();
    if (process.env.TOOLSHIM_WRITE_CONFIG_REFERENCE === "1") writeFileSync(page, generated);
    expect(readFileSync(page, "utf8")).toBe(generated);
  });

  it("lists every key with its default and doc comment", () => {
    const generated = generate();
    expect(generated).toContain("| `port` | integer 0–65535 | `8686` | ");
    expect(generated).toContain("| `cors.origins` | string[] |");
    expect(generated).toMatch(/\| `baseURL` \| string \| required \| The OpenAI-compatible base URL/);
    expect(generated).toContain('| `kind` | "sqlite" \\| "memory" | `"sqlite"` |');
  });
});
