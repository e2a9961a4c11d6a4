/**
 * The vocabulary of redaction (common/rules/redact.ts): the kinds of secret, the markers that replace
 * them (`[redacted:<kind>]`, `[private]`) and how a marker is recognized, so that redacting twice
 * equals redacting once.
 */

export const REDACTION_KINDS = [
  'private',
  'private-key',
  'anthropic-key',
  'openai-key',
  'aws-access-key-id',
  'aws-secret-key',
  'github-token',
  'slack-token',
  'google-api-key',
  'stripe-key',
  'npm-token',
  'jwt',
  'bearer-token',
  'basic-auth',
  'url-password',
  'secret-assignment',
  'memflow-key',
  'gitlab-token',
  'slack-webhook',
  'pypi-token',
  'azure-storage-key',
  'azure-sas',
  'azure-client-secret',
  'gcp-access-token',
  'huggingface-token',
  'sendgrid-key',
  'twilio-key',
  'digitalocean-token',
  'shopify-token',
  'databricks-token',
  'linear-key',
  'postman-key',
  'pulumi-token',
  'grafana-token',
  'vault-token',
  'atlassian-token',
  'age-secret-key',
  'telegram-bot-token',
  'doppler-token',
  'newrelic-key',
  'sentry-token',
  'flyio-token',
  'supabase-token',
  'secret-prose',
  'high-entropy',
  'tenant-rule',
  'too-deep',
  'circular',
] as const;

export type RedactionKind = (typeof REDACTION_KINDS)[number];

export const PRIVATE_MARKER = '[private]';

export function redactionMarker(kind: RedactionKind): string {
  return `[redacted:${kind}]`;
}

/** Counts the replacements of one redaction. */
export interface Counter {
  count: number;
}

const MARKER_EXACT = /^\[(?:redacted:[\w.-]{1,64}|private)\]$/;
export const isMarker = (s: string): boolean => MARKER_EXACT.test(s);
export const startsWithMarker = (s: string, at: number): boolean =>
  s.startsWith('[redacted:', at) || s.startsWith(PRIVATE_MARKER, at);

/** Random-looking rather than a word: has a digit, or mixes upper and lower case past the first char. */
export function looksRandom(v: string): boolean {
  return /\d/.test(v) || (/[a-z]/.test(v) && /[A-Z]/.test(v.slice(1)));
}
