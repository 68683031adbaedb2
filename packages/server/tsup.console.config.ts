import { defineConfig } from "tsup";

// The web console's browser code and styles, bundled into dist/console/ and served by the server at /console/assets/.
export default defineConfig({
  entry: { "console-ui": "src/console/ui/console-ui.ts" },
  outDir: "dist/console",
  format: ["esm"],
  platform: "browser",
  target: "es2022",
  minify: true,
  clean: true,
  dts: false,
  splitting: false,
});
