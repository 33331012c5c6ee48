/**
 * credshare's error hierarchy. Every error that reaches a user says what went wrong,
 * names the file or URL involved and what to do next, and never carries a secret.
 * `code` is stable for programs; `exitCode` is what the CLI exits with (DESIGN.md).
 */

/** Exit codes of the CLI contract: 0 ok, 1 failure, 2 usage error, 3 sign-in needed. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, signInNeeded: 3 } as const;

/** Base class: a user-facing message, a stable code and the exit code it maps to. */
export class CredshareError extends Error {
  readonly code: string = 'CREDSHARE_ERROR';
  readonly exitCode: number = ExitCode.failure;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** No usable session: the user has to sign in again. */
export class SignInRequiredError extends CredshareError {
  override readonly code = 'SIGN_IN_REQUIRED';
  override readonly exitCode = ExitCode.signInNeeded;
}

/** config.json or credentials.json cannot be used as it is; it was left untouched. */
export class StoreError extends CredshareError {
  override readonly code = 'STORE_UNUSABLE';
  constructor(readonly file: string, problem: string, whatToDo: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}. ${whatToDo}`, options);
  }
}

/** The bad-configuration twin of StoreError, for config.json and profile selection. */
export class ConfigError extends CredshareError {
  override readonly code = 'CONFIG_INVALID';
}

/** The cross-process lock could not be had in time. Never a reason to refresh unguarded. */
export class LockTimeoutError extends CredshareError {
  override readonly code = 'LOCK_TIMEOUT';
}

/**
 * The issuer could not be asked, or answered with an error that does not mean the
 * session is dead (network error, timeout, 5xx, 429, garbage). Credentials are kept.
 */
export class RefreshFailedError extends CredshareError {
  override readonly code = 'REFRESH_FAILED';
  /** When the issuer asked not to be asked again before (Retry-After), in ms from now. */
  readonly retryAfterMs?: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The issuer refused the client rather than the token (its credentials, its registration,
 * the endpoint: refusal-table.ts, class `client`). The session is kept; the message says
 * what failed and what to check.
 */
export class ClientRejectedError extends CredshareError {
  override readonly code = 'CLIENT_REJECTED';
}

/** The issuer said the refresh token is no longer valid (refusal-table.ts, class `sign-in-again`). */
export class InvalidGrantError extends CredshareError {
  override readonly code = 'INVALID_GRANT';
}

/**
 * The issuer refused a refresh with a narrower `scope` (RFC 6749 §6): `invalid_scope`,
 * or another refusal of that request. The refresh token was not spent.
 */
export class ScopeRefusedError extends CredshareError {
  override readonly code = 'SCOPE_REFUSED';
}

/** Asked for a scope the grant does not hold: only a sign-in for the union can add it. */
export class ScopeNotGrantedError extends SignInRequiredError {}

/** A command line that cannot be understood. */
export class UsageError extends CredshareError {
  override readonly code = 'USAGE';
  override readonly exitCode = ExitCode.usage;
}

/** Node's errno-style errors carry a string `code`; this narrows `unknown` to one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
