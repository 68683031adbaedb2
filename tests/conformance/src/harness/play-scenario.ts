import type { OpenAIDouble } from "@toolshim/provider-generic/double";
import { expect } from "vitest";
import { expectedResults, finalAnswer, type Scenario } from "./scenarios.js";
import { readRequest, renderCalls, type ModelView } from "./toolshim-model.js";

/** How the model's output is cut into upstream SSE content chunks, in code points (a real upstream never splits one). */
export interface Chunking {
  name: string;
  size: number;
}

export const chunkings: Chunking[] = [
  { name: "1 char", size: 1 },
  { name: "3 chars", size: 3 },
  { name: "whole", size: Number.POSITIVE_INFINITY },
];

export function chunk(text: string, size: number): string[] {
  const points = Array.from(text);
  if (!Number.isFinite(size)) return [text];
  const pieces: string[] = [];
  for (let i = 0; i < points.length; i += size) pieces.push(points.slice(i, i + size).join(""));
  return pieces;
}

/** Every scenario in every chunking, labelled for `it.each` / loops. */
export function cases(list: Scenario[], cuts: Chunking[] = chunkings) {
  return list.flatMap((scenario) => cuts.map((chunking) => ({ label: `${scenario.name}, ${chunking.name}`, scenario, chunking })));
}

export interface ScenarioRun {
  scenario: Scenario;
  /** What the model read in each upstream request it answered, in order. */
  views: ModelView[];
  /** The model's full reply text to each request. */
  replies: string[];
  /** The text the model ends with once the expected results are in (computed from the scenario's pure tools). */
  readonly expectedFinal: string;
}

/**
 * Scripts the double as a model playing `scenario`: it reads the nonce and the tool results from the prompt toolshim
 * rendered, answers the next step's calls (with the step's text first) in the dialect, and once every step's
 * results are back answers with {@link finalAnswer} of what it read. Output is streamed in `chunking` pieces.
 * A request it cannot make sense of gets a reply starting with "MODEL CONFUSED", which no assertion accepts.
 */
export function playScenario(double: OpenAIDouble, scenario: Scenario, chunking: Chunking): ScenarioRun {
  const run: ScenarioRun = {
    scenario,
    views: [],
    replies: [],
    // Lazy: scenarios whose tools run elsewhere (an MCP server) have no pure results to compute it from.
    get expectedFinal() {
      return finalAnswer(expectedResults(scenario));
    },
  };
  double.script((request) => {
    const view = readRequest(request);
    run.views.push(view);
    const text = reply(scenario, view);
    run.replies.push(text);
    return { text: chunk(text, chunking.size) };
  });
  return run;
}

function reply(scenario: Scenario, view: ModelView): string {
  if (!view.nonce) return "MODEL CONFUSED: the prompt offers no tools.";
  let done = 0;
  let step = 0;
  while (step < scenario.steps.length && done + scenario.steps[step]!.calls.length <= view.results.length) {
    done += scenario.steps[step]!.calls.length;
    step++;
  }
  if (done !== view.results.length) return `MODEL CONFUSED: ${view.results.length} results do not close a step.`;
  if (step === scenario.steps.length) return finalAnswer(view.results);
  const next = scenario.steps[step]!;
  const missing = next.calls.filter((call) => !view.toolNames.includes(call.name));
  if (missing.length > 0) return `MODEL CONFUSED: tools ${missing.map((call) => call.name).join(", ")} are not offered.`;
  return (next.text ?? "") + renderCalls(view.nonce, next.calls);
}

/** A tool call as a client surfaced it. `arguments` may be the JSON text or the client's parsed object. */
export interface ObservedCall {
  id: string;
  name: string;
  arguments: unknown;
}

export interface ObservedConversation {
  /** The calls of each tool-calling turn, in order. */
  steps: ObservedCall[][];
  /** The client's final answer text. */
  finalText: string;
  /** The text the client surfaced in each tool-calling turn, when it exposes it per turn. */
  stepTexts?: string[];
}

const CALL_ID = /^call_[A-Za-z0-9]{24}$/;

/**
 * Everything a correct client + server pair must have done: each turn's calls with the exact names and arguments the
 * model wrote, unique `call_` ids, every result sent back under the id and name of its call (as the model read them),
 * and the model's final answer delivered verbatim. `results` defaults to the scenario's tools run on the expected
 * calls; pass what the tools really returned when they run elsewhere (an MCP server).
 */
export function expectConversation(run: ScenarioRun, observed: ObservedConversation, results = expectedResults(run.scenario)): void {
  const { scenario } = run;
  expect(run.replies.filter((text) => text.startsWith("MODEL CONFUSED"))).toEqual([]);
  expect(run.views[0]?.toolNames).toEqual(scenario.tools.map((tool) => tool.name));

  const parsed = observed.steps.map((calls) =>
    calls.map((call) => ({ name: call.name, arguments: typeof call.arguments === "string" ? JSON.parse(call.arguments) : call.arguments })),
  );
  expect(parsed).toEqual(scenario.steps.map((step) => step.calls));
  const ids = observed.steps.flat().map((call) => call.id);
  for (const id of ids) expect(id).toMatch(CALL_ID);
  expect(new Set(ids).size).toBe(ids.length);
  if (observed.stepTexts) expect(observed.stepTexts).toEqual(scenario.steps.map((step) => step.text ?? ""));

  const last = run.views.at(-1)!;
  expect(last.results.map((result) => ({ name: result.name, content: result.content }))).toEqual(results);
  expect(last.results.map((result) => result.callId)).toEqual(ids);
  expect(run.views).toHaveLength(scenario.steps.length + 1);
  expect(observed.finalText).toBe(finalAnswer(results));
}
