import { strictSettings } from "@toolshim/core/provider-utils";
import { z } from "zod";
import { headerProfileSchema } from "../client/header-profile.js";

// Config files fill values from environment variables, which are text: accept "2" where a number is expected.
const fromText = (value: unknown) => {
  if (typeof value !== "string") return value;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
};
const count = (fallback: number, min: 0 | 1 = 0) => z.preprocess(fromText, z.number().int().min(min)).default(fallback);
const flag = (fallback: boolean) => z.preprocess(fromText, z.boolean()).default(fallback);

export const accountSchema = z
  .object({
    name: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    email: z.string().min(3).optional(),
    mobile: z.string().min(5).optional(),
    areaCode: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    deviceId: z.string().min(1).optional(),
  })
  .strict()
  .refine((account) => account.token !== undefined || ((account.email !== undefined || account.mobile !== undefined) && account.password !== undefined), {
    message: "an account needs a token, or an email or mobile with a password (or both)",
  })
  .refine((account) => account.password === undefined || account.email !== undefined || account.mobile !== undefined, {
    message: "a password needs the account's email or mobile",
  });

/** Options of `createDeepSeekUpstream`; the server's `deepseek` provider config is this object. */
export const deepSeekOptionsSchema = strictSettings({
    /** Default https://chat.deepseek.com; only tests and proxies change it. */
    baseURL: z.url().optional(),
    /** Deprecated spelling of `baseURL` (still read; a warning is logged). */
    baseUrl: z.url().optional(),
    accounts: z.array(accountSchema).min(1, "configure at least one DeepSeek account"),
    /** Concurrent streams per account (free accounts manage about two). */
    maxStreamsPerAccount: count(2, 1),
    /** How long a request waits for a free account before a 429. */
    queueTimeoutMs: count(30_000),
    /** Requests allowed to wait at once; more get a 429 at once. */
    maxQueueLength: count(100),
    /**
     * With shared state (several instances on Redis): an account's stream slot held by an instance that died frees
     * itself after this long; a running stream renews its slot every third of it.
     */
    leaseTtlMs: count(15_000, 1),
    /** How long a throttled account rests before it is used again. */
    rateLimitCooldownMs: count(60_000),
    /** Accounts one request may try before it gives up (throttled, rejected token, …). */
    maxAccountAttempts: count(3, 1),
    /** `/chat/continue` rounds for an answer DeepSeek cut off (INCOMPLETE); after that it ends with finish_reason "length". */
    maxContinueRounds: count(4),
    /** Delete the chat session after each request, so the account's history stays empty. */
    deleteSessions: flag(true),
    /** Bound on each non-streaming call (login, session, PoW challenge, delete). */
    requestTimeoutMs: count(30_000, 1),
    headers: headerProfileSchema.default(headerProfileSchema.parse({})),
  }).refine((options) => options.baseURL === undefined || options.baseUrl === undefined, {
    message: "baseUrl is the deprecated spelling of baseURL: keep only baseURL",
    path: ["baseUrl"],
  });

export const DEFAULT_BASE_URL = "https://chat.deepseek.com";

export type DeepSeekOptions = z.output<typeof deepSeekOptionsSchema>;
export type DeepSeekOptionsInput = z.input<typeof deepSeekOptionsSchema>;
