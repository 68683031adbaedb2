import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// One file at a time: two files install the same Node into the same cache folder, and each is heavy on its own.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
