import { z } from "zod";

/**
 * The client identity sent with every call. DeepSeek picks the stream format from it and turns away outdated versions
 * with CLIENT_VERSION_TOO_LOW (it happened in 2025-06 and 2026-04), so it is configuration, not code: when the next
 * wave comes, users bump `headers.clientVersion` without waiting for a release.
 *
 * The default is the Android-app identity the best-maintained proxy ran in production with the fragment stream this
 * package parses (reference §1, §2.3 A). Headers of two profiles must not be mixed, so the web profile is a complete
 * alternative rather than a set of overrides.
 */
export const headerProfileSchema = z
  .object({
    platform: z.enum(["android", "web"]).default("android"),
    /** `x-client-version`. Android values seen: 2.0.4, 2.5.3; web: 2.2.0, 2.5.0. */
    clientVersion: z.string().min(1).default("2.0.4"),
    /** Default: `DeepSeek/<clientVersion> Android/<androidApiLevel>` on android, a desktop Chrome string on web. */
    userAgent: z.string().min(1).optional(),
    androidApiLevel: z.number().int().positive().default(35),
    /** `x-client-locale`. */
    locale: z.string().min(1).default("zh_CN"),
    /** Added to every call, last (cookies, `x-hif-leim`, a newer header the app started sending, …). */
    extra: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type HeaderProfile = z.output<typeof headerProfileSchema>;
export type HeaderProfileInput = z.input<typeof headerProfileSchema>;

const WEB_USER_AGENT =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36";

export const WEB_ORIGIN = "https://chat.deepseek.com";

/** The identity headers for one call (no authorization: login goes without it). */
export function identityHeaders(profile: HeaderProfile): Record<string, string> {
  const headers: Record<string, string> =
    profile.platform === "android"
      ? {
          "user-agent": profile.userAgent ?? `DeepSeek/${profile.clientVersion} Android/${profile.androidApiLevel}`,
          accept: "application/json",
          "accept-charset": "UTF-8",
          "content-type": "application/json",
          "x-client-platform": "android",
          "x-client-version": profile.clientVersion,
          "x-client-locale": profile.locale,
        }
      : {
          "user-agent": profile.userAgent ?? WEB_USER_AGENT,
          accept: "*/*",
          "content-type": "application/json",
          origin: WEB_ORIGIN,
          referer: `${WEB_ORIGIN}/`,
          "x-client-platform": "web",
          "x-client-version": profile.clientVersion,
          "x-client-locale": profile.locale,
          "x-client-bundle-id": "com.deepseek.chat",
          "x-client-timezone-offset": "28800",
        };
  for (const [name, value] of Object.entries(profile.extra)) headers[name.toLowerCase()] = value;
  return headers;
}
