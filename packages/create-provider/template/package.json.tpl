{
  "name": "__PACKAGE__",
  "version": "0.1.0",
  "description": "toolshim provider for the __TITLE__ web chat",
  "keywords": ["toolshim", "toolshim-provider", "tool-calling"],
  "license": "MIT",
  "type": "module",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" },
    "./double": { "types": "./dist/double.d.ts", "import": "./dist/double.js" }
  },
  "files": ["dist"],
  "engines": { "node": ">=22.18" },
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc --noEmit",
    "test": "vitest run"
  },
  "dependencies": {
    "@toolshim/core": "__CORE_VERSION__",
    "zod": "__ZOD_VERSION__"
  },
  "devDependencies": {
    "tsup": "__TSUP_VERSION__",
    "typescript": "__TYPESCRIPT_VERSION__",
    "vitest": "__VITEST_VERSION__"
  }
}
