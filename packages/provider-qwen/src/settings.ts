import { strictSettings } from "@toolshim/core/provider-utils";
import { z } from "zod";
import { protocolProfileSchema } from "./client/protocol-profile.js";

/** Numbers and booleans may come from `${ENV}` (strings) in the config. */
const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(["true", "false"])])
    .default(fallback)
    .transform((value) => value === true || value === "true");

const accountSchema = z
  .object({
    /** A label for logs, health and errors; defaults to the e-mail or "account N". */
    name: z.string().min(1).optional(),
    /** An access token (the `token` cookie of a logged-in browser). With e-mail and password it is renewed by signing in again. */
    token: z.string().min(1).optional(),
    email: z.string().min(3).optional(),
    password: z.string().min(1).optional(),
  })
  .strict()
  .refine((account) => account.token !== undefined || (account.email !== undefined && account.password !== undefined), {
    message: "an account needs a token, or an email and a password (or all three)",
  });

/** The keys under `providers.<name>` (besides `use` and `timeouts`, which are the server's). */
export const settingsSchema = strictSettings({
  baseURL: z.url({ protocol: /^https?$/ }).default("https://chat.qwen.ai"),
  accounts: z.array(accountSchema).min(1),
  /** Serve these model ids instead of asking Qwen Chat for its list (variants are still added). */
  models: z.array(z.string().min(1)).min(1).optional(),
  /** Concurrent streams one account serves (2, as the references found safe). */
  maxStreamsPerAccount: count(2),
  /** How long a throttled account rests when Qwen Chat does not say (ms). */
  rateLimitCooldownMs: count(600_000),
  /** How long an account rests after a human-verification (captcha) answer (ms). */
  verificationCooldownMs: count(900_000),
  /** How long a request waits for a free account (ms). */
  queueTimeoutMs: count(30_000),
  /**
   * With shared state (several instances on Redis): an account's stream slot held by an instance that died frees
   * itself after this long (ms); a running stream renews its slot every third of it. Same name and default as DeepSeek's.
   */
  leaseTtlMs: z.coerce.number().int().min(1).default(15_000),
  /** Delete each chat from the account's history after its answer. */
  deleteChats: flag(true),
  /** The version-specific values of the web interface; override them when Qwen Chat changes (docs: "When Qwen Chat changes"). */
  protocol: protocolProfileSchema.default(protocolProfileSchema.parse({})),
});

export type Settings = z.output<typeof settingsSchema>;
export type AccountSettings = Settings["accounts"][number];
