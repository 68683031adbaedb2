// The tests of model-outputs.test.ts again, with the upstream handing over its events in batches.
import { upstreamShape } from "./__fixtures__/batched-upstream.js";

upstreamShape.batched = true;
await import("./model-outputs.test.js");
