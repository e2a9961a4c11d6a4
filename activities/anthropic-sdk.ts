/**
 * The Anthropic SDK, loaded when the first model client is made (activities/summarize/summary-call.ts)
 * rather than with the worker: loading it costs ~0.2 s of CPU (~0.6 s under a TypeScript loader), which
 * a worker without ANTHROPIC_API_KEY (the offline summarizer) never needs. An error of the SDK's can
 * exist only once the SDK is loaded, so the failure mapper (failures.ts) asks loadedAnthropicSdk()
 * instead of importing it.
 */
import type * as Sdk from '@anthropic-ai/sdk';

type AnthropicSdk = typeof Sdk;

let loaded: AnthropicSdk | undefined;
let loading: Promise<AnthropicSdk> | undefined;

export const anthropicSdk = (): Promise<AnthropicSdk> => (loading ??= import('@anthropic-ai/sdk').then((sdk) => (loaded = sdk)));

/** The SDK if a model client was made in this process, else undefined. */
export const loadedAnthropicSdk = (): AnthropicSdk | undefined => loaded;
