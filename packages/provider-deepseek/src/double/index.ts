export { startDeepSeekDouble } from "./start-deepseek-double.js";
export type {
  DeepSeekDouble,
  DeepSeekDoubleOptions,
  DeepSeekDoubleState,
  DoubleAccount,
  DoubleAccountInit,
  DoubleAccountStatus,
  DoubleMessage,
  DoubleReply,
  DoubleRoute,
  DoubleScenario,
  DoubleSession,
  IssuedChallenge,
  LoggedRequest,
  MessageStatus,
  PowRejection,
  ReplyContext,
  ReplyScript,
} from "./double-types.js";
export { CAPTURES, type Capture, type CaptureId } from "./captures.js";
export { replayRounds } from "./replay-rounds.js";
