/**
 * Whether a key or variable name says its value is a secret (`password`, `DB_PASSWORD`, `apiKey`,
 * `Authorization`), and not metadata about one (`token_type`, `password_file`); used by redaction
 * for assignments in text and for the keys of JSON values.
 */

/** A single word (after splitting a key on separators and camel humps) that names a secret. */
const SECRET_WORD =
  /^(?:[a-z0-9]*(?:passwords?|passwd|passphrase|secrets?|token|apikeys?|accesskeys?|privatekeys?|secretkeys?|sessionkeys?|signingkeys?|masterkeys?|authtoken)|pwd|pass|auth|oauth|authorization|credentials?|cookies?)$/;

/** `<word> key` pairs that name a secret (`api_key`, `x-api-key`, `PrivateKey`). */
const KEY_PAIR_FIRST = new Set(['api', 'access', 'private', 'secret', 'session', 'signing', 'master', 'client', 'encryption', 'auth']);

/** A last word that makes the key metadata about a secret rather than the secret itself. */
const METADATA_SUFFIX = new Set([
  'type', 'types', 'kind', 'file', 'files', 'path', 'paths', 'dir', 'directory', 'name', 'names',
  'count', 'counts', 'length', 'len', 'size', 'limit', 'limits', 'max', 'min', 'ttl', 'expiry',
  'expires', 'expiration', 'expired', 'at', 'url', 'uri', 'endpoint', 'host', 'hostname', 'port',
  'domain', 'method', 'methods', 'mode', 'provider', 'providers', 'scheme', 'strategy', 'policy',
  'enabled', 'disabled', 'required', 'field', 'fields', 'label', 'hint', 'placeholder', 'prompt',
  'env', 'var', 'ref', 'arn', 'version', 'usage', 'format', 'encoding', 'algorithm', 'alg',
  'location', 'manager', 'service', 'server', 'index', 'created', 'updated', 'rotated', 'valid',
  'exists', 'status', 'user', 'username', 'prefix', 'suffix', 'source', 'scope', 'scopes',
  'audience', 'issuer', 'level', 'flow', 'mechanism', 'regex', 'pattern', 'rules', 'strength',
  'changed', 'reset', 'in',
]);

export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Whether a key or variable name looks like it holds a secret: `password`, `DB_PASSWORD`,
 * `apiKey`, `x-api-key`, `client_secret`, `authToken`, `Authorization`, `PGPASSWORD`. Metadata about
 * a secret (`token_type`, `password_file`, `max_tokens`, `secret_name`) and the shell's `PWD` are not.
 */
export function isSecretKeyName(key: string): boolean {
  if (key.length === 0 || key.length > 100) return false;
  if (key === 'PWD' || key === 'OLDPWD') return false;
  const words = keyWords(key);
  const lastWord = words[words.length - 1];
  if (lastWord === undefined) return false;
  if (SECRET_WORD.test(lastWord)) return true;
  if (METADATA_SUFFIX.has(lastWord)) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (SECRET_WORD.test(w)) return true;
    const next = words[i + 1];
    if ((next === 'key' || next === 'keys') && KEY_PAIR_FIRST.has(w)) return true;
  }
  return false;
}

// Keys repeat a lot within one payload; remembering the verdict keeps the assignment scan cheap.
const secretKeyVerdicts = new Map<string, boolean>();

export function isSecretKeyNameCached(key: string): boolean {
  let verdict = secretKeyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = isSecretKeyName(key);
    if (secretKeyVerdicts.size >= 1024) secretKeyVerdicts.clear();
    secretKeyVerdicts.set(key, verdict);
  }
  return verdict;
}

/** Whether the key names an Authorization header (its value may carry a scheme: `Bearer …`). */
export function isAuthorizationKey(key: string): boolean {
  const last = keyWords(key).pop();
  return last === 'authorization' || last === 'auth';
}
