import { z } from "zod";
import { headerProfileSchema } from "../client/header-profile.js";

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
export const deepSeekOptionsSchema = z
  .object({
    /** Only tests and proxies change it. */
    baseUrl: z.url().default("https://chat.deepseek.com"),
    accounts: z.array(accountSchema).min(1, "configure at least one DeepSeek account"),
    /** Concurrent streams per account (free accounts manage about two). */
    maxStreamsPerAccount: z.number().int().positive().default(2),
    /** How long a request waits for a free account before a 429. */
    queueTimeoutMs: z.number().int().nonnegative().default(30_000),
    /** Requests allowed to wait at once; more get a 429 at once. */
    maxQueueLength: z.number().int().nonnegative().default(100),
    /** How long a throttled account rests before it is used again. */
    rateLimitCooldownMs: z.number().int().nonnegative().default(60_000),
    /** Accounts one request may try before it gives up (throttled, rejected token, …). */
    maxAccountAttempts: z.number().int().positive().default(3),
    /** `/chat/continue` rounds for an answer DeepSeek cut off (INCOMPLETE); after that it ends with finish_reason "length". */
    maxContinueRounds: z.number().int().nonnegative().default(4),
    /** Delete the chat session after each request, so the account's history stays empty. */
    deleteSessions: z.boolean().default(true),
    /** Bound on each non-streaming call (login, session, PoW challenge, delete). */
    requestTimeoutMs: z.number().int().positive().default(30_000),
    headers: headerProfileSchema.default(headerProfileSchema.parse({})),
  })
  .strict();

export type DeepSeekOptions = z.output<typeof deepSeekOptionsSchema>;
export type DeepSeekOptionsInput = z.input<typeof deepSeekOptionsSchema>;
