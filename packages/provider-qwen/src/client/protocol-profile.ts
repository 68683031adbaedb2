import { z } from "zod";

/**
 * Every value of the Qwen web interface that changes with its releases, in one place (protocol reference §3, §7.3,
 * §14). A config overrides any of them under `providers.<name>.protocol` without a new toolshim release; see the
 * docs' "When Qwen Chat changes" section.
 */
export const protocolProfileSchema = z
  .object({
    /** The web app's front-end version, sent as the `Version` header (0.3.11 in the newest capture, 2026-09-25). */
    version: z.string().min(1).default("0.3.11"),
    /** The anti-bot script's version, sent as `bx-v` (2.5.37 in the newest capture). */
    bxV: z.string().min(1).default("2.5.37"),
    userAgent: z
      .string()
      .min(1)
      .default("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36"),
    acceptLanguage: z.string().min(1).default("en-US,en;q=0.9"),
    /** Sent as `source`. */
    source: z.string().min(1).default("web"),
    /** Body `version` of a completion request. */
    completionVersion: z.string().min(1).default("2.1"),
    /** The sign-in paths, tried in order while one answers 404/405 (v2 first, v1 fallback: reference §14). */
    signinPaths: z.array(z.string().startsWith("/")).min(1).default(["/api/v2/auths/signin", "/api/v1/auths/signin"]),
    modelsPath: z.string().startsWith("/").default("/api/v2/models/"),
    /** `thinking_mode` for a thinking and a fast request (Auto/Thinking/Fast in the newest captures). */
    thinkingMode: z.string().default("Thinking"),
    fastMode: z.string().default("Fast"),
    thinkingFormat: z.string().default("summary"),
    /** Phases whose `content` is reasoning (older full chain of thought), and whose is the reply (reference §8.3). */
    reasoningPhases: z.array(z.string()).default(["think", "thinking", "reasoning", "DeepThinking"]),
    answerPhases: z.array(z.string()).default(["answer", "deep_research_answer"]),
    /** The phase whose `extra.summary_thought.content` repeats every reasoning paragraph so far. */
    summaryPhase: z.string().default("thinking_summary"),
    /** Extra headers for every request (e.g. a `bx-umidtoken` or `Cookie` copied from a browser). Never logged. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type ProtocolProfile = z.output<typeof protocolProfileSchema>;

export const defaultProtocolProfile: ProtocolProfile = protocolProfileSchema.parse({});

/** The headers of one request, as the web app sends them (reference §3.1). */
export function browserHeaders(profile: ProtocolProfile, options: { token?: string; referer: string; json: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    accept: options.json ? "application/json" : "text/event-stream",
    "accept-language": profile.acceptLanguage,
    "user-agent": profile.userAgent,
    source: profile.source,
    version: profile.version,
    "bx-v": profile.bxV,
    "x-request-id": crypto.randomUUID(),
    "x-accel-buffering": "no",
    timezone: new Date().toString().replace(/ \(.*\)$/, ""),
    referer: options.referer,
    "content-type": "application/json",
    ...profile.headers,
  };
  if (options.token) {
    headers.authorization = `Bearer ${options.token}`;
    // The web app sends the token as a cookie too; keep any cookie the config adds.
    headers.cookie = [profile.headers.cookie, `token=${options.token}`].filter(Boolean).join("; ");
  }
  return headers;
}
