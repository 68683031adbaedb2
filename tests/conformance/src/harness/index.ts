/**
 * The conformance harness: the real toolshim server in front of a scripted OpenAI double, the conversations every
 * client plays, and the checks they must pass.
 *
 * @example
 * const gateway = await startGateway();                         // beforeAll; gateway.stop() in afterAll
 * for (const { label, scenario, chunking } of cases(scenarios)) {
 *   const run = playScenario(gateway.double, scenario, chunking);  // the double now plays this scenario
 *   // …drive gateway.baseURL with a client, model MODELS.default, tools from scenario.tools…
 *   expectConversation(run, { steps, finalText });
 * }
 */
export { MODELS, startGateway, type Gateway, type GatewayOptions } from "./start-gateway.js";
export { gatewayForFile, recordFetchPaths } from "./gateway-for-file.js";
export { serverCli } from "./server-cli.js";
export { readRequest, renderCalls, type ModelCall, type ModelView, type SeenResult } from "./toolshim-model.js";
export {
  execute,
  expectedResults,
  finalAnswer,
  scenarioNamed,
  scenarios,
  tools,
  type Scenario,
  type ScenarioStep,
  type ScenarioTool,
} from "./scenarios.js";
export {
  cases,
  chunk,
  chunkings,
  expectConversation,
  playScenario,
  type Chunking,
  type ObservedCall,
  type ObservedConversation,
  type ScenarioRun,
} from "./play-scenario.js";
export { postChat, type RawChatStream } from "./raw-chat.js";
