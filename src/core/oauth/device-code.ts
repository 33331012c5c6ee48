import { setTimeout as sleep } from 'node:timers/promises';
import * as oauth from 'oauth4webapi';
import { redactError } from '../redact';
import { describeIssuerFailure, SignInError } from './errors';
import { httpOptions, type OAuthIo } from './http';
import { withErrorStatus } from './refusal';
import { formatIssuer } from '../format';

/** What the user needs to approve a device sign-in; shown by the host (terminal, notification). */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** The verification URI with the code filled in, when the issuer offers one. */
  verificationUriComplete?: string;
  expiresInSeconds: number;
}

/** One device sign-in: the issuer, the client and how to reach the issuer. */
export interface DeviceFlowTarget {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  /** How the client authenticates at the device authorization and token endpoints; default none (a public client). */
  auth?: oauth.ClientAuth;
  issuer: URL;
  io: OAuthIo;
}

/** RFC 8628 section 3.5: without an interval from the server, poll every 5 s; slow_down adds 5 s. */
const DEFAULT_INTERVAL_S = 5;
const SLOW_DOWN_S = 5;
const MAX_BACKOFF_S = 60;

/** Step 1 (RFC 8628 section 3.1): ask for a device code. Non-interactive, so safe to retry. */
export async function startDeviceAuthorization(target: DeviceFlowTarget, scopes: string[], loginHint?: string): Promise<oauth.DeviceAuthorizationResponse> {
  const { as, client, issuer, io } = target;
  const where = as.device_authorization_endpoint ?? formatIssuer(issuer);
  try {
    const response = await oauth.deviceAuthorizationRequest(as, client, target.auth ?? oauth.None(), { scope: scopes.join(' '), ...(loginHint ? { login_hint: loginHint } : {}) }, httpOptions(issuer, io));
    return await oauth.processDeviceAuthorizationResponse(as, client, response);
  } catch (error) {
    if (io.signal?.aborted) throw error;
    throw describeIssuerFailure(error, where, io.timeoutMs);
  }
}

/**
 * Step 2: show the code (and wait, if `showCode` returns a promise), then poll the token endpoint at the server's interval until the
 * user approves, honouring `slow_down` and backing off on network errors, and give up at
 * the code's expiry. `io.signal` stops the polling.
 */
export async function pollDeviceAuthorization(target: DeviceFlowTarget, device: oauth.DeviceAuthorizationResponse,
  showCode: (prompt: DeviceCodePrompt) => void | Promise<void>): Promise<oauth.TokenEndpointResponse> {
  const { as, client, issuer, io } = target;
  const deadline = Date.now() + device.expires_in * 1000;
  // A host may wait for the user to take the code (VS Code's modal) before polling starts;
  // if it throws (the user dismissed it), nothing is polled.
  await showCode({
    userCode: device.user_code,
    verificationUri: device.verification_uri,
    ...(device.verification_uri_complete ? { verificationUriComplete: device.verification_uri_complete } : {}),
    expiresInSeconds: device.expires_in,
  });
  let interval = device.interval && device.interval > 0 ? device.interval : DEFAULT_INTERVAL_S;
  const where = as.token_endpoint ?? formatIssuer(issuer);
  for (;;) {
    const wait = Math.min(interval * 1000, deadline - Date.now());
    if (wait <= 0) throw expired(device);
    await sleep(wait, undefined, { signal: io.signal });
    try {
      const response = await oauth.deviceCodeGrantRequest(as, client, target.auth ?? oauth.None(), device.device_code, httpOptions(issuer, io));
      // GitHub answers authorization_pending and slow_down with HTTP 200.
      return await oauth.processDeviceCodeResponse(as, client, await withErrorStatus(response));
    } catch (error) {
      if (io.signal?.aborted) throw error;
      if (error instanceof oauth.ResponseBodyError) {
        switch (error.error) {
          case 'authorization_pending': continue;
          case 'slow_down': interval += SLOW_DOWN_S; continue;
          case 'access_denied': throw new SignInError(`The sign-in was denied at ${formatIssuer(issuer)}. Nothing was stored; run \`credshare login\` to try again.`, { cause: error });
          case 'expired_token': throw expired(device);
        }
      }
      // RFC 8628 section 3.5: on a connection problem, back off and keep polling until expiry.
      if (isConnectionProblem(error)) {
        interval = Math.min(interval * 2, MAX_BACKOFF_S);
        continue;
      }
      // The device code is a secret until it expires; an issuer may quote it.
      throw redactError(describeIssuerFailure(error, where, io.timeoutMs), [device.device_code]);
    }
  }
}

function expired(device: oauth.DeviceAuthorizationResponse): SignInError {
  return new SignInError(`The code ${device.user_code} expired before it was approved (it was valid for ${Math.round(device.expires_in / 60)} min). `
    + 'Nothing was stored; run `credshare login` again and approve the new code sooner.');
}

/** fetch's "fetch failed" (with the socket error as cause) or a request timeout; not an argument error. */
function isConnectionProblem(error: unknown): boolean {
  if ((error as Error | undefined)?.name === 'TimeoutError') return true;
  return error instanceof TypeError && (error as { cause?: unknown }).cause !== undefined && !(error as { code?: unknown }).code;
}
