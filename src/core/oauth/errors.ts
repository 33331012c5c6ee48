import * as oauth from 'oauth4webapi';
import { CredshareError } from '../errors';

/** A sign-in that did not complete (denied, expired, timed out, refused). Nothing was stored. */
export class SignInError extends CredshareError {
  override readonly code = 'SIGN_IN_FAILED';
}

/** The user (or the host) cancelled a sign-in. Nothing was stored. */
export class SignInCancelledError extends CredshareError {
  override readonly code = 'SIGN_IN_CANCELLED';
}

/** The issuer's metadata cannot be trusted or used (another issuer, plain-HTTP endpoints). */
export class UntrustedIssuerError extends CredshareError {
  override readonly code = 'ISSUER_REFUSED';
}

/** A request to the issuer failed outside the refresh path (discovery, sign-in, revocation). */
export class IssuerRequestError extends CredshareError {
  override readonly code = 'ISSUER_REQUEST_FAILED';
}

/**
 * Turns what an oauth4webapi step threw into an error that names the URL and says what
 * to do. The refresh path has its own wording (issuer.ts: "your credentials are kept").
 */
export function describeIssuerFailure(error: unknown, where: string, timeoutMs: number): CredshareError {
  if (error instanceof CredshareError) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'TimeoutError') {
    return new IssuerRequestError(`${where} did not answer within ${Math.round(timeoutMs / 1000)}s. Check your network (and proxy) and try again.`, { cause: error });
  }
  if (error instanceof oauth.ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    return new IssuerRequestError(`${where} refused the request (HTTP ${error.status}, ${detail}). Check the profile's issuer, client id and scopes (\`credshare profiles\`).`, { cause: error });
  }
  if (error instanceof oauth.OperationProcessingError || error instanceof oauth.UnsupportedOperationError) {
    return new IssuerRequestError(`${where} answered with something credshare cannot use (${error.message}). Check the issuer URL; \`credshare doctor\` shows what it offers.`, { cause: error });
  }
  if (error instanceof TypeError) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return new IssuerRequestError(`Cannot reach ${where}${code ? ` (${code})` : ''}. Check your network and the issuer URL, then try again.`, { cause: error });
  }
  return new IssuerRequestError(`Request to ${where} failed: ${(error as Error | undefined)?.message ?? String(error)}.`, { cause: error });
}
