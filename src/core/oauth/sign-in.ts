import type * as oauth from 'oauth4webapi';
import type { Profile } from '../profile';
import type { Session } from '../session';
import { signInWithBrowser } from './auth-code';
import { tokenClient } from './client-auth';
import { pollDeviceAuthorization, startDeviceAuthorization, type DeviceCodePrompt } from './device-code';
import { SignInCancelledError, SignInError } from './errors';
import { flowForIssuer, type SignInFlow } from './flow-choice';
import type { OAuthIo } from './http';
import { parseIssuer } from './issuer';
import { forgetIssuerMetadata, loadIssuerMetadata, withMetadata, type IssuerMetadata } from './metadata';
import { sessionFromTokens } from './account';
import { checkHome } from '../private-files';
import { formatIssuer } from '../format';

/** Everything a host (the CLI, the extension) hands to a sign-in. */
export interface SignInRequest {
  profile: Profile;
  /** The credshare home, for the discovery cache. */
  home: string;
  flow: SignInFlow;
  /** The user asked for this flow: fail rather than fall back to the other one. */
  forced: boolean;
  io: OAuthIo;
  /** Browser flow: show the user this URL (open a browser, print it). Must not throw. */
  openUrl: (authorizationUrl: string, redirectUri: string) => Promise<void> | void;
  /** Device flow: show the user this code and where to enter it; polling starts once a returned promise resolves. */
  showCode: (prompt: DeviceCodePrompt) => void | Promise<void>;
  /** Browser flow: the redirect URI a browser can reach (see BrowserFlowOptions). */
  reachableRedirectUri?: (loopbackRedirectUri: string) => Promise<string>;
  /** Browser flow: how long to wait for the redirect. */
  browserTimeoutMs: number;
  /** Metadata the host already loaded (and checked) for this issuer. */
  metadata?: IssuerMetadata;
  /**
   * The account to sign in as (OpenID Connect `login_hint`, e.g. a re-sign-in for a known
   * account). Sent with the browser flow's authorization request and with the device
   * authorization request (an extension parameter of RFC 8628 §3.1 that issuers which do
   * not know it ignore).
   */
  loginHint?: string;
}

export interface SignInResult {
  session: Session;
  flow: SignInFlow;
}

/**
 * Runs one interactive sign-in and returns the new session; the caller stores it with
 * `storeSession` (under the refresh lock). Race rules, documented in
 * docs/architecture.md ("Sign-in races"):
 * - A refresh in flight never overwrites the stored sign-in: it waits for the lock, and
 *   persists with compare-and-set on the refresh token it spent.
 * - The sign-in is stored even if another process signed out after it began: it carries
 *   new tokens that the user approved at the issuer, never the ones signed out, and the
 *   last of two explicit user acts wins. A sign-out that lands after it removes it.
 */
export async function signIn(request: SignInRequest): Promise<SignInResult> {
  const { profile, io } = request;
  const issuer = parseIssuer(profile.issuer);
  const options = { ...io, home: request.home, endpoints: profile.endpoints };
  // The discovery cache decides where the code and verifier go: never from a home others can write.
  checkHome(request.home);
  const metadata = request.metadata ?? await loadIssuerMetadata(issuer, options);
  const flow = usableFlow(metadata.as, request, issuer);
  let { client, auth } = tokenClient(profile, metadata.as);
  try {
    let tokens: oauth.TokenEndpointResponse;
    let as = metadata.as;
    if (flow === 'device') {
      const started = await withMetadata(issuer, options, metadata,
        (candidate) => startDeviceAuthorization({ as: candidate, ...tokenClient(profile, candidate), issuer, io }, profile.scopes, request.loginHint));
      as = started.as;
      ({ client, auth } = tokenClient(profile, as));
      tokens = await pollDeviceAuthorization({ as, client, auth, issuer, io }, started.result, request.showCode);
    } else {
      tokens = await signInWithBrowser({ as, client, auth, redirectPort: profile.redirectPort, issuer, scopes: profile.scopes, io, openUrl: request.openUrl, timeoutMs: request.browserTimeoutMs,
        loginHint: request.loginHint, reachableRedirectUri: request.reachableRedirectUri, prompt: profile.prompt, extraParameters: profile.authorizationParameters });
    }
    return { session: await sessionFromTokens(tokens, { as, client, issuer, io, requestedScopes: profile.scopes }), flow };
  } catch (error) {
    if (io.signal?.aborted) throw new SignInCancelledError('Sign-in cancelled; nothing was stored.', { cause: error });
    // Stale cached endpoints may be why: the next attempt discovers again.
    if (metadata.fromCache && !(error instanceof SignInError)) forgetIssuerMetadata(request.home, issuer);
    throw error;
  }
}

/** The requested flow if the issuer offers it; else the other one, unless the user forced it (flow-choice.ts). */
function usableFlow(as: oauth.AuthorizationServer, request: SignInRequest, issuer: URL): SignInFlow {
  const offered = { browser: !!as.authorization_endpoint, device: !!as.device_authorization_endpoint };
  const usable = flowForIssuer({ flow: request.flow, reason: '' }, offered, request.forced);
  if (usable) return usable.flow;
  const other: SignInFlow = request.flow === 'device' ? 'browser' : 'device';
  const what = request.flow === 'device' ? 'device authorization (RFC 8628)' : 'an authorization endpoint';
  throw new SignInError(`${formatIssuer(issuer)} does not offer ${what}${offered[other] ? `; use --${other}` : ' nor the other sign-in flow credshare knows'}.`);
}
