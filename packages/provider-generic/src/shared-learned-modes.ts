import type { ProviderState } from "@toolshim/core/provider-utils";

/** How often a model's shared learned mode is looked up again when requests for it arrive. */
const REFRESH_MS = 10_000;

/**
 * The `auto` tool mode a model was found to need, shared through the provider state (Redis when several gateway
 * instances run): what one instance learns is written there, and the others pick it up at start and, for models
 * requested later, within REFRESH_MS of a request. Writes and reads are fire and forget: a store outage only means
 * each instance learns on its own, as without shared state.
 */
export class SharedLearnedModes {
  readonly #state: ProviderState;
  readonly #checkedAt = new Map<string, number>();

  constructor(state: ProviderState) {
    this.#state = state;
  }

  /** Records that `model` needs emulation, and why. */
  publish(model: string, reason: string): void {
    this.#state.set(`auto-emulate:${model}`, reason).catch(() => undefined);
  }

  /** Looks `models` up now (at start); `learn` gets each one another instance found to need emulation. */
  load(models: readonly string[], learn: (model: string, reason: string) => void): Promise<void> {
    // Not counted as a refresh: the first request for a model looks again, in case it was learned since.
    return Promise.all(models.map((model) => this.#lookUp(model, learn, false))).then(() => undefined);
  }

  /** Looks `model` up unless that was done within REFRESH_MS; never delays the caller. */
  refresh(model: string, learn: (model: string, reason: string) => void): void {
    const last = this.#checkedAt.get(model);
    if (last !== undefined && Date.now() - last < REFRESH_MS) return;
    void this.#lookUp(model, learn);
  }

  async #lookUp(model: string, learn: (model: string, reason: string) => void, remember = true): Promise<void> {
    if (remember) this.#checkedAt.set(model, Date.now());
    const reason = await this.#state.get<unknown>(`auto-emulate:${model}`).catch(() => undefined);
    if (typeof reason === "string") learn(model, `${reason} (learned by another gateway instance)`);
  }
}
