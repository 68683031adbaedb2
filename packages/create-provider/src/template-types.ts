// The generated double's shape as the scaffold's test imports it from the built folder (the template itself is not
// compiled here).
export interface GeneratedDouble {
  fetch: typeof globalThis.fetch;
  script(reply: (request: { model: string; prompt: string }) => { kind: "text"; chunks: string[] }): void;
}

export declare function createWebChatDouble(): GeneratedDouble;
