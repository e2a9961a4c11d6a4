/**
 * One structured call to Claude through the real SDK: a forced tool call whose input is validated
 * against a zod schema, with a bounded repair conversation when the answer does not validate, the
 * system prompt marked for prompt caching, and errors mapped onto Temporal's retry semantics.
 *
 * The SDK's own retries are off (maxRetries: 0): Temporal's retry policy is the only one, so attempts
 * are visible in the workflow history and never multiply (SDK retries x activity retries).
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/activity';
import { Failure } from '../../messages/errors-v1.js';
import { z } from 'zod';
import { toActivityFailure } from '../failures.js';
import { redactValue } from '../../common/rules/redact.js';
import { NO_USAGE, addUsage, type Usage } from './pricing.js';

export interface StructuredCall<T> {
  model: string;
  maxTokens: number;
  /** Static instructions: identical across calls, so they are cached once and read cheaply after. */
  system: string;
  toolName: string;
  toolDescription: string;
  schema: z.ZodType<T>;
  user: string;
  /** Follow-up requests allowed after an answer that does not validate. */
  maxRepairs?: number;
}

export interface StructuredResult<T> {
  answer: T;
  usage: Usage;
  /** Requests made (1 + repairs). */
  requests: number;
}

export function createAnthropic(apiKey: string, baseURL?: string): Anthropic {
  return new Anthropic({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: 120_000 });
}

export function jsonSchemaOf(schema: z.ZodType): Anthropic.Tool.InputSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest as Anthropic.Tool.InputSchema;
}

function usageOf(u: Anthropic.Usage): Usage {
  return {
    tokensIn: u.input_tokens,
    tokensOut: u.output_tokens,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 8)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export async function callStructured<T>(client: Anthropic, call: StructuredCall<T>): Promise<StructuredResult<T>> {
  const maxRepairs = call.maxRepairs ?? 2;
  const tool: Anthropic.Tool = { name: call.toolName, description: call.toolDescription, input_schema: jsonSchemaOf(call.schema) };
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: call.user }];
  let usage = NO_USAGE;
  let problem = '';
  for (let attempt = 0; attempt <= maxRepairs; attempt++) {
    let response: Anthropic.Message;
    try {
      response = await client.messages.create({
        model: call.model,
        max_tokens: call.maxTokens,
        system: [{ type: 'text', text: call.system, cache_control: { type: 'ephemeral' } }],
        tools: [tool],
        tool_choice: { type: 'tool', name: call.toolName },
        messages,
      });
    } catch (err) {
      toActivityFailure(err, 'retry');
    }
    usage = addUsage(usage, usageOf(response.usage));
    const toolUse = response.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === call.toolName);
    if (toolUse) {
      const parsed = call.schema.safeParse(toolUse.input);
      // What the model writes passes the same filter as what it read (docs/redaction.md): it may restate a
      // secret it saw before the rules improved, or assemble one from parts.
      if (parsed.success) return { answer: redactValue(parsed.data).value, usage, requests: attempt + 1 };
      problem = describeIssues(parsed.error);
      messages.push({ role: 'assistant', content: response.content });
      messages.push({
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: toolUse.id,
            is_error: true,
            content: `The input did not match the schema: ${problem}. Call ${call.toolName} again with a corrected, complete input.`,
          },
        ],
      });
    } else {
      problem = response.stop_reason === 'max_tokens' ? 'the answer was cut at max_tokens' : `no ${call.toolName} call in the answer`;
      if (response.content.length > 0) messages.push({ role: 'assistant', content: response.content });
      messages.push({ role: 'user', content: `Answer only by calling the ${call.toolName} tool, keeping each field short.` });
    }
  }
  throw ApplicationFailure.create({
    message: `model answer still invalid after ${maxRepairs} repair request(s): ${problem}`,
    type: Failure.LlmMalformedOutput,
    nonRetryable: true,
    details: [{ usage }],
  });
}
