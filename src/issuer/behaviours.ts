/** How a confidential client may present its secret (RFC 6749 §2.3.1). */
export type ClientSecretMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * Switchable behaviours of the embedded issuer, each modelled on a documented behaviour
 * of a real issuer (docs/issuers.md names which). All off is today's issuer: one public
 * native client, loopback redirects on any port, rotating refresh tokens whose reuse
 * revokes the grant, a discovery document, revocation open to public clients.
 */
export interface IssuerBehaviours {
  /**
   * Redirect URIs match exactly, port included: no RFC 8252 §7.3 port freedom for
   * loopback (many enterprise issuers; the independent provider of issue 9).
   */
  exactRedirectUris?: boolean;
  /** A refused refresh is answered HTTP 400 with an empty body: no `error` field at all. */
  bareRefreshRefusals?: boolean;
  /** A refused refresh is answered HTTP 200 with the OAuth error in the body (GitHub's token endpoint). */
  refusalsWithStatus200?: boolean;
  /**
   * The revocation endpoint demands client authentication: the metadata's
   * `revocation_endpoint_auth_methods_supported` lacks `none`, a public client gets 401.
   */
  revocationRequiresClientAuth?: boolean;
  /** No discovery document: 404 on /.well-known/openid-configuration and RFC 8414's (GitHub). */
  noDiscovery?: boolean;
  /**
   * A confidential client: the token, device and revocation endpoints demand the issuer's
   * client secret by one of these methods (Google's installed apps; GitHub Apps).
   */
  clientSecretMethods?: ClientSecretMethod[];
  /**
   * For this many seconds after a rotation the previous refresh token works again without
   * revoking anything (Okta's grace period, Auth0's leeway). 0 (default): reuse detected at once.
   */
  reuseLeewaySeconds?: number;
  /** A rotation leaves the previous refresh token valid (Entra ID; Keycloak by default). */
  keepRotatedRefreshTokens?: boolean;
  /**
   * A refresh token only for a browser sign-in that asked for `offline_access` with
   * `prompt=consent` (OpenID Connect Core §11; oidc-provider's own default): without it the
   * code's answer has no refresh token, and its tokens end with the issuer's browser session.
   */
  offlineAccessNeedsConsent?: boolean;
  /** No rotation: a refresh answer carries no `refresh_token`, and the one presented stays valid (Google). */
  refreshWithoutRotation?: boolean;
  /** A refresh answer carries no `scope` (RFC 6749 §5.1 lets an issuer leave it out when it equals the request's). */
  refreshAnswersWithoutScope?: boolean;
  /** The token endpoint ignores `scope` on a refresh: every access token carries the grant's whole scope. */
  ignoreRefreshScope?: boolean;
}

/** Named behaviours, for `main.ts --behaviour NAME` and the test matrix. */
export const BEHAVIOUR_PRESETS = {
  'rotating': {},
  'exact-redirect': { exactRedirectUris: true },
  'bare-400': { bareRefreshRefusals: true },
  'errors-200': { refusalsWithStatus200: true },
  'revocation-auth': { revocationRequiresClientAuth: true },
  'no-discovery': { noDiscovery: true },
  'client-secret': { clientSecretMethods: ['client_secret_basic', 'client_secret_post'] },
  'client-secret-post': { clientSecretMethods: ['client_secret_post'] },
  'reuse-leeway': { reuseLeewaySeconds: 30 },
  'non-revoking': { keepRotatedRefreshTokens: true },
  'offline-consent': { offlineAccessNeedsConsent: true },
  'no-rotation': { refreshWithoutRotation: true },
  'refresh-no-scope': { refreshAnswersWithoutScope: true },
  'ignore-refresh-scope': { ignoreRefreshScope: true },
} satisfies Record<string, IssuerBehaviours>;

/** A name of {@link BEHAVIOUR_PRESETS}. */
export type BehaviourName = keyof typeof BEHAVIOUR_PRESETS;

/** The behaviours named, merged left to right; throws naming the valid names on a typo. */
export function behavioursNamed(names: readonly string[]): IssuerBehaviours {
  const merged: IssuerBehaviours = {};
  for (const name of names) {
    if (!Object.hasOwn(BEHAVIOUR_PRESETS, name)) {
      throw new Error(`unknown behaviour "${name}"; known: ${Object.keys(BEHAVIOUR_PRESETS).join(', ')}`);
    }
    Object.assign(merged, BEHAVIOUR_PRESETS[name as BehaviourName]);
  }
  return merged;
}

/**
 * Which client-authentication method a request to the token, device or revocation
 * endpoint used, judged the way oidc-provider judges it (lib/shared/client_auth.js):
 * a `client_secret` form field, else an `Authorization: Basic` header, else none.
 */
export function clientAuthMethodOf(headers: { authorization?: string }, form: URLSearchParams): ClientSecretMethod | 'none' {
  if (form.get('client_secret')) return 'client_secret_post';
  if (/^basic\s/i.test(headers.authorization ?? '')) return 'client_secret_basic';
  return 'none';
}
