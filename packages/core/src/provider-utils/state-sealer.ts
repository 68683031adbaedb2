/**
 * What a shared `ProviderState` uses to keep secrets (login tokens) in a store other processes can read: values are
 * encrypted and authenticated, and names derived from an account (an email, a phone) reveal nothing of it. Built on
 * WebCrypto (`globalThis.crypto.subtle`), so it runs wherever core runs.
 */
export interface StateSealer {
  /** A stable, opaque name for `identity` (keyed HMAC-SHA-256, hex): safe to put in a store key. */
  name(identity: string): Promise<string>;
  /** `plain` encrypted with AES-256-GCM, bound to `context` (the key it is stored under, so it cannot be moved). */
  seal(plain: string, context: string): Promise<string>;
  /** The plain text, or undefined when `sealed` was sealed with another secret or context, or was altered. */
  open(sealed: string, context: string): Promise<string | undefined>;
}

const VERSION = "v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

/**
 * A sealer whose keys are derived from `secret` (HKDF-SHA-256; one key to encrypt, another to name). Every instance
 * given the same secret reads what the others sealed; a changed secret makes old values unreadable (they are then
 * treated as absent).
 */
export async function createStateSealer(secret: string): Promise<StateSealer> {
  if (secret.length === 0) throw new Error("the state secret is empty");
  const subtle = globalThis.crypto.subtle;
  const root = await subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  const derive = (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]) =>
    subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: encoder.encode("toolshim state sealer"), info: encoder.encode(info) }, root, algorithm, false, usages);
  const cipher = await derive("aes-256-gcm", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]);
  const naming = await derive("hmac-sha-256 names", { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"]);
  return {
    async name(identity) {
      return toHex(new Uint8Array(await subtle.sign("HMAC", naming, encoder.encode(identity))));
    },
    async seal(plain, context) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, cipher, encoder.encode(plain)));
      const joined = new Uint8Array(IV_BYTES + sealed.length);
      joined.set(iv);
      joined.set(sealed, IV_BYTES);
      return `${VERSION}.${toBase64(joined)}`;
    },
    async open(sealed, context) {
      const [version, body] = sealed.split(".", 2);
      if (version !== VERSION || body === undefined) return undefined;
      try {
        const joined = fromBase64(body);
        if (joined.length <= IV_BYTES) return undefined;
        const plain = await subtle.decrypt(
          { name: "AES-GCM", iv: joined.subarray(0, IV_BYTES), additionalData: encoder.encode(context) },
          cipher,
          joined.subarray(IV_BYTES),
        );
        return new TextDecoder().decode(plain);
      } catch {
        // Another secret, another context, or altered bytes: the value is unusable, never an error for the caller.
        return undefined;
      }
    },
  };
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
