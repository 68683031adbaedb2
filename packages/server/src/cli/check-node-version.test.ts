import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MIN_NODE_VERSION, nodeVersionProblem } from "./check-node-version.js";

describe("nodeVersionProblem", () => {
  it("accepts the minimum and anything newer", () => {
    for (const version of [MIN_NODE_VERSION, "22.18.1", "22.20.0", "v24.0.0", "26.10.0", "30.0.0-pre"]) {
      expect(nodeVersionProblem(version)).toBeUndefined();
    }
  });

  it("names the minimum, the running version and what to do on anything older", () => {
    for (const version of ["22.17.9", "20.20.2", "v18.0.0", "22.5.0"]) {
      const problem = nodeVersionProblem(version);
      expect(problem).toContain(`needs Node.js ${MIN_NODE_VERSION} or newer`);
      expect(problem).toContain(`this is Node.js ${version.replace(/^v/, "")}`);
      expect(problem).toContain("npx -p node@22");
    }
  });

  it("is the floor every package.json declares in engines", () => {
    const [major, minor] = MIN_NODE_VERSION.split(".");
    for (const name of ["core", "provider-generic", "provider-deepseek", "server"]) {
      const pkg = JSON.parse(readFileSync(new URL(`../../../${name}/package.json`, import.meta.url), "utf8")) as { engines?: { node?: string } };
      expect(pkg.engines?.node, name).toBe(`>=${major}.${minor}`);
    }
    const root = JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as { engines?: { node?: string } };
    expect(root.engines?.node).toBe(`>=${major}.${minor}`);
  });
});
