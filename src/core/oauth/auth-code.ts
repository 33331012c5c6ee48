import * as oauth from 'oauth4webapi';
import { redactError } from '../redact';
import { describeIssuerFailure, SignInError } from './errors';
import { httpOptions, type OAuthIo } from './http';
import { withErrorStatus } from './refusal';
import { listenForRedirect, nextWithState, type RedirectRequest } from './redirect-listener';
import { formatIssuer } from '../format';

/** One browser sign-in: the issuer, the client and how to reach the issuer. */
export interface BrowserFlowOptions {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  /** How the client authenticates at the token endpoint; default none (a public client). */
  auth?: oauth.ClientAuth;
  /** Listen on this loopback port (an issuer that matches redirect URIs exactly); default a random one. */
  redirectPort?: number;
  issuer: URL;
  scopes: string[];
  io: OAuthIo;
  /** Opens the authorization URL for the user (a browser, `vscode.env.openExternal`); must not throw. */
  openUrl: (authorizationUrl: string, redirectUri: string) => Promise<void> | void;
  /** How long to wait for the browser to come back. */
  timeoutMs: number;
  /** OpenID Connect `login_hint`: the account to sign in as (a re-sign-in for a known account). */
  loginHint?: string;
  /** OpenID Connect `prompt` (the profile's; checked by authorization-request.ts). */
  prompt?: string;
  /** More parameters for the authorization request (the profile's; never one credshare sets itself). */
  extraParameters?: Record<string, string>;
  /**
   * The redirect URI the browser can reach, given the listener's loopback one (VS Code:
   * `asExternalUri`, which forwards the port from a remote host). Throws if none: then
   * the authorization URL is never opened. Default: the loopback URI itself.
   */
  reachableRedirectUri?: (loopbackRedirectUri: string) => Promise<string>;
}

/**
 * Authorization code + PKCE (S256) with a loopback redirect (RFC 8252): listen on
 * 127.0.0.1 at a random port (or the profile's `redirectPort`), send the user to the
 * authorization endpoint, wait for the redirect carrying this sign-in's `state` (others
 * are answered and ignored), check its `iss` where the issuer sends it, then redeem the
 * code. The browser gets a small page saying how it went.
 */
export async function signInWithBrowser(options: BrowserFlowOptions): Promise<oauth.TokenEndpointResponse> {
  const { as, client, issuer, io } = options;
  if (!as.authorization_endpoint) throw new SignInError(`${formatIssuer(issuer)} offers no authorization endpoint; use the device flow (\`credshare login --device\`).`);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = options.scopes.includes('openid') ? oauth.generateRandomNonce() : undefined;
  const listener = await listenForRedirect(options.redirectPort);
  try {
    // The same URI in the authorization request and the token request (RFC 6749 section 4.1.3).
    const redirectUri = options.reachableRedirectUri ? await options.reachableRedirectUri(listener.redirectUri) : listener.redirectUri;
    const url = new URL(as.authorization_endpoint);
    // First, so that none can stand in for one credshare sets below (config.json's check refuses those names too).
    for (const [name, value] of Object.entries(options.extraParameters ?? {})) url.searchParams.set(name, value);
    url.searchParams.set('client_id', client.client_id);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', options.scopes.join(' '));
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    if (nonce) url.searchParams.set('nonce', nonce);
    if (options.loginHint) url.searchParams.set('login_hint', options.loginHint);
    if (options.prompt) url.searchParams.set('prompt', options.prompt);
    await options.openUrl(url.href, redirectUri);

    let redirect: RedirectRequest;
    try {
      redirect = await nextWithState(listener, state, options.timeoutMs, io.signal);
    } catch (error) {
      if (io.signal?.aborted) throw error;
      throw new SignInError(`No answer from the browser within ${Math.round(options.timeoutMs / 1000)}s (waiting on ${listener.redirectUri}). `
        + 'Nothing was stored; run `credshare login` again, or `credshare login --device` where no browser can reach this machine.');
    }
    try {
      const params = validateRedirect(options, redirect, state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, options.auth ?? oauth.None(), params, redirectUri, verifier, httpOptions(issuer, io));
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, await withErrorStatus(response), nonce ? { expectedNonce: nonce, requireIdToken: true } : {});
      redirect.respond('success', 'You are signed in. You can close this tab and return to your terminal or editor.');
      return tokens;
    } catch (error) {
      // The token endpoint may quote the code or the verifier it refused: neither reaches the page or the terminal.
      const failure = redactError(io.signal?.aborted ? error : describeIssuerFailure(error, as.token_endpoint ?? formatIssuer(issuer), io.timeoutMs),
        [redirect.url.searchParams.get('code') ?? undefined, verifier]);
      redirect.respond('failure', `${(failure as Error).message}`);
      throw failure;
    }
  } finally {
    await listener.close();
  }
}

/** The redirect's parameters, or a SignInError saying why it cannot be this sign-in's answer. */
function validateRedirect(options: BrowserFlowOptions, redirect: RedirectRequest, state: string): URLSearchParams {
  try {
    return oauth.validateAuthResponse(options.as, options.client, redirect.url, state);
  } catch (error) {
    const where = `${redirect.url.origin}${redirect.url.pathname}`;
    if (error instanceof oauth.AuthorizationResponseError) {
      const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
      return fail(`${formatIssuer(options.issuer)} did not sign you in (${detail}). Nothing was stored; run \`credshare login\` to try again.`, error);
    }
    const message = (error as Error).message;
    if (/"state"/.test(message)) {
      return fail(`Refusing the redirect to ${where}: its state does not match the one this sign-in sent (a stale browser tab, or a request `
        + 'forged by another page). Nothing was stored; run `credshare login` again.', error);
    }
    if (/"iss"/.test(message)) {
      return fail(`Refusing the redirect to ${where}: it names another issuer than ${options.as.issuer} (a mix-up attack?). Nothing was stored.`, error);
    }
    return fail(`Refusing the redirect to ${where}: ${message}. Nothing was stored; run \`credshare login\` again.`, error);
  }
}

function fail(message: string, cause: unknown): never {
  throw new SignInError(message, { cause });
}
