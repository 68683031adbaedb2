import type { ToolshimConfig } from "../config/load-config.js";

const SECRET_KEY = /key|token|secret|passw|credential|cookie|auth|bearer|session|signature/i;

/**
 * Every credential in a config: the server's API keys and each string a provider keeps under a key that names a
 * secret (apiKey, token, password, cookie…), at any depth. The logger scrubs these values wherever they appear.
 */
export function collectSecrets(config: ToolshimConfig): string[] {
  const secrets = [...config.server.apiKeys];
  const visit = (node: unknown, secretContext: boolean) => {
    if (typeof node === "string") {
      if (secretContext) secrets.push(node);
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, secretContext);
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) visit(value, secretContext || SECRET_KEY.test(key));
    }
  };
  for (const provider of Object.values(config.providers)) visit(provider.options, false);
  if (config.console?.adminKey) secrets.push(config.console.adminKey);
  if (config.state?.secret) secrets.push(config.state.secret);
  // A Redis URL can carry a password (redis://:secret@host); the address itself is useful in logs and errors.
  if (config.state?.url) secrets.push(...redisPassword(config.state.url));
  return secrets.filter((secret) => secret.length > 0);
}

function redisPassword(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [password] : [];
  } catch {
    return [];
  }
}
