import type { ProviderLogger } from "@toolshim/core/provider-utils";

/** The slice of a pino logger the provider uses (the spec's); pino's `Logger` fits it as is. */
export type DeepSeekLogger = ProviderLogger;

const ignore = (): void => {};

export const silentLogger: DeepSeekLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
