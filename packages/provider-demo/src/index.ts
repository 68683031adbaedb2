export { createDemoUpstream, DEMO_MODEL_ID, demoOptionsSchema, demoProvider, demoProvider as default, type DemoOptions } from "./demo-provider.js";
export { composeReply, type DemoReply } from "./compose-reply.js";
export { readEmulatedPrompt, type EmulatedPrompt } from "./read-emulated-prompt.js";
