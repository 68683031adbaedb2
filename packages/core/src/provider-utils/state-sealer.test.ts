import { describe, expect, it } from "vitest";
import { createStateSealer } from "./state-sealer.js";

const SECRET = "a-deployment-secret-of-enough-length-0123";

describe("createStateSealer", () => {
  it("seals a value that only the same secret and context open", async () => {
    const sealer = await createStateSealer(SECRET);
    const sealed = await sealer.seal("user-token-123", "login:abc");
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain("user-token-123");
    expect(await sealer.open(sealed, "login:abc")).toBe("user-token-123");
    // Fresh IV each time: the same token never seals to the same text.
    expect(await sealer.seal("user-token-123", "login:abc")).not.toBe(sealed);
    expect(await sealer.open(sealed, "login:other")).toBeUndefined();
    expect(await (await createStateSealer(`${SECRET}-rotated`)).open(sealed, "login:abc")).toBeUndefined();
  });

  it("treats altered or foreign values as absent, never as an error", async () => {
    const sealer = await createStateSealer(SECRET);
    const sealed = await sealer.seal("token", "k");
    const body = sealed.slice(3);
    const flipped = `v1.${body.slice(0, 20)}${body[20] === "A" ? "B" : "A"}${body.slice(21)}`;
    expect(await sealer.open(flipped, "k")).toBeUndefined();
    expect(await sealer.open("v1.", "k")).toBeUndefined();
    expect(await sealer.open("v1.!!not base64!!", "k")).toBeUndefined();
    expect(await sealer.open("v0.abcd", "k")).toBeUndefined();
    expect(await sealer.open("plain-token", "k")).toBeUndefined();
  });

  it("names an identity by a keyed hash that reveals nothing of it", async () => {
    const sealer = await createStateSealer(SECRET);
    const name = await sealer.name("email:alice@example.com");
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect(await sealer.name("email:alice@example.com")).toBe(name);
    expect(await sealer.name("email:bob@example.com")).not.toBe(name);
    // Keyed: without the secret, hashing guessed emails does not find the account.
    expect(await (await createStateSealer(`${SECRET}-other`)).name("email:alice@example.com")).not.toBe(name);
  });

  it("refuses an empty secret", async () => {
    await expect(createStateSealer("")).rejects.toThrow(/empty/);
  });
});
