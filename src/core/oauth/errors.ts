import * as oauth from 'oauth4webapi';
import { CredshareError } from '../errors';
import type { TokenEndpointAuthMethod } from '../profile';
import { readRefreshAnswer } from './refusal';
import { answerInWords, clientAuthAdvice, clientInWords, type RefreshAnswer } from './refusal-table';

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

/** Who authenticated at an endpoint, and how (never the secret), for client-authentication failures. */
export interface ClientAuthFacts {
  method: TokenEndpointAuthMethod;
  clientId: string;
  /** The login command of the profile (`loginCommand`), for the advice. */
  login: string;
}

/**
 * Turns what an oauth4webapi step threw into an error that names the URL and says what
 * to do. The refresh path has its own wording (issuer.ts: "your credentials are kept").
 * With `client`, a refusal of the client's credentials says which client, which method,
 * and what to try (the same advice as a refused refresh: refusal-table.ts).
 */
export function describeIssuerFailure(error: unknown, where: string, timeoutMs: number, client?: ClientAuthFacts): CredshareError {
  if (error instanceof CredshareError) return error;
  const refused = client && clientRefusal(error, client.method);
  if (client && refused) {
    const registration = refused.error === 'unauthorized_client'
      ? ' If the secret is right, ask the issuer\'s administrator whether the client may use this flow.' : '';
    return new IssuerRequestError(`${where} refused ${clientInWords(client.method, client.clientId)} (${answerInWords(refused)}). `
      + `${clientAuthAdvice(client.method, client.clientId, client.login)}${registration}`, { cause: error });
  }
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

/**
 * The answer, when an oauth4webapi error is a refusal of the client's credentials: a
 * WWW-Authenticate challenge (RFC 6749 §5.2, oauth4webapi's WWWAuthenticateChallengeError,
 * whose own message only says "server responded with a challenge"), `invalid_client`,
 * `unauthorized_client` (glewlwyd's answer to a wrong secret, HTTP 403), or a bare 401 to a
 * client that sent a secret (glewlwyd's revocation endpoint).
 */
export function clientRefusal(error: unknown, method: TokenEndpointAuthMethod): RefreshAnswer | undefined {
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const [first] = error.cause;
    const body = challengeBodies.get(error);
    const code = first?.parameters.error ?? body?.error;
    const description = first?.parameters.error_description ?? body?.description;
    return { status: error.status, ...(first ? { challenge: first.scheme.replace(/^./, (c) => c.toUpperCase()) } : {}),
      ...(code ? { error: code } : {}), ...(description ? { description } : {}) };
  }
  if (error instanceof oauth.ResponseBodyError && (error.error === 'invalid_client' || error.error === 'unauthorized_client')) {
    return { status: error.status, error: error.error, ...(error.error_description ? { description: error.error_description } : {}) };
  }
  if (method !== 'none' && error instanceof oauth.OperationProcessingError && error.cause instanceof Response && error.cause.status === 401) {
    return { status: 401 };
  }
  return undefined;
}

const challengeBodies = new WeakMap<Error, RefreshAnswer>();

/**
 * oauth4webapi stops at a WWW-Authenticate challenge without reading the body, where the
 * issuer's own words are (LemonLDAP::NG: `{"error":"invalid_client"}`). Reads them for
 * {@link clientRefusal}; call in the catch block before {@link describeIssuerFailure}.
 */
export async function readChallengeBody(error: unknown): Promise<void> {
  if (!(error instanceof oauth.WWWAuthenticateChallengeError) || error.response.bodyUsed) return;
  challengeBodies.set(error, await readRefreshAnswer(error.response));
}
