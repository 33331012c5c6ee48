/**
 * The profile's say in the browser flow's authorization request: `prompt` (OpenID Connect
 * Core §3.1.2.1) and extra parameters some issuers need (Google's `access_type=offline`).
 * Pure checks, shared by config.json's reader and `credshare login`'s flags.
 */

/**
 * The `prompt` values OpenID Connect defines: Core §3.1.2.1 (`none`, `login`, `consent`,
 * `select_account`) and Initiating User Registration 1.0 (`create`).
 */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account', 'create'] as const;

/**
 * The parameters credshare itself sets on the authorization request (RFC 6749 §4.1.1,
 * RFC 7636, OpenID Connect Core §3.1.2.1): a profile may not override them, since they
 * carry the sign-in's security (PKCE, state, nonce, redirect) or have a field of their own.
 */
export const OWN_PARAMETERS = ['client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce',
  'code_challenge', 'code_challenge_method', 'login_hint', 'prompt', 'request', 'request_uri'] as const;

/** What is wrong with a `prompt` value, or undefined: space-separated known values, `none` only alone (Core §3.1.2.1). */
export function promptProblem(value: unknown): string | undefined {
  const allowed = `one or more of ${PROMPT_VALUES.join(', ')}, separated by spaces`;
  if (typeof value !== 'string' || value.trim() === '') return `"prompt" must be ${allowed}`;
  const words = value.trim().split(/\s+/);
  const unknown = words.find((w) => !(PROMPT_VALUES as readonly string[]).includes(w));
  if (unknown !== undefined) return `"prompt" has "${unknown}", which OpenID Connect does not define (use ${allowed})`;
  if (words.includes('none') && words.length > 1) return '"prompt" "none" must be alone (OpenID Connect Core 3.1.2.1)';
  return undefined;
}

/** What is wrong with `authorizationParameters`, or undefined: an object of strings, none of credshare's own. */
export function authorizationParametersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '"authorizationParameters" must be an object of strings ({"access_type": "offline"})';
  for (const [name, text] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `"authorizationParameters" has the name "${name}"; use letters, digits, "_", "." and "-"`;
    if ((OWN_PARAMETERS as readonly string[]).includes(name)) {
      return `"authorizationParameters" may not set "${name}": credshare sets it itself${name === 'prompt' ? ' (use "prompt")' : name === 'scope' ? ' (use "scopes")' : ''}`;
    }
    if (typeof text !== 'string') return `"authorizationParameters.${name}" must be a string`;
  }
  return undefined;
}
