/**
 * The configuration of a scratch glewlwyd (Debian's package, 2.7.x): its libconfig file and the
 * parameters of its OpenID Connect plugin instance. The names and defaults follow glewlwyd's own
 * documentation (/usr/share/doc/glewlwyd/OIDC.md) and its admin app's defaults.
 */

/** Where Debian's package puts glewlwyd's modules. */
const MODULES = '/usr/lib/glewlwyd';

export interface ServerFiles {
  /** glewlwyd's own port (behind the counting proxy). */
  port: number;
  /** The URL users and clients see: the proxy's. */
  publicUrl: string;
  dir: string;
  database: string;
  webapp: string;
  log: string;
}

/** glewlwyd.conf for one scratch server: loopback only, sqlite, its web app served by itself. */
export function serverConfig(f: ServerFiles): string {
  const mime = [['.html', 'text/html'], ['.js', 'application/javascript'], ['.css', 'text/css'], ['.json', 'application/json'],
    ['.png', 'image/png'], ['.ico', 'image/x-icon'], ['.woff2', 'font/woff2'], ['.woff', 'font/woff'], ['.ttf', 'font/ttf']]
    .map(([extension, type]) => `  { extension = "${extension}"; mime_type = "${type}"; }`).join(',\n');
  return `port=${f.port}
bind_address="127.0.0.1"
external_url="${f.publicUrl}"
login_url="login.html"
static_files_path="${f.webapp}/"
api_prefix="api"
allow_origin="*"
log_mode="file"
log_level="INFO"
log_file="${f.log}"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
# glewlwyd 2.7 refuses to start unless both file names are set, even with TLS off.
use_secure_connection=false
secure_connection_key_file="${f.dir}/unused.key"
secure_connection_pem_file="${f.dir}/unused.pem"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "${f.database}"; };
static_files_mime_types = (
${mime}
);
`;
}

export interface OidcOptions {
  issuer: string;
  /** Access token lifetime in seconds: short, so the test can let it run out. */
  accessTokenSeconds: number;
  /** Refresh token lifetime in seconds (default 3600): short, so a test can let one run out. */
  refreshTokenSeconds?: number;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** The OpenID Connect plugin: device flow and refresh enabled, refresh tokens one-use and rolling. */
export function oidcPluginParameters(o: OidcOptions): Record<string, unknown> {
  return {
    iss: o.issuer,
    'jwt-type': 'rsa',
    'jwt-key-size': '256',
    key: o.privateKeyPem,
    cert: o.publicKeyPem,
    'access-token-duration': o.accessTokenSeconds,
    'refresh-token-duration': o.refreshTokenSeconds ?? 3600,
    'code-duration': 600,
    'refresh-token-rolling': true,
    // "always": every refresh disables the token it used, and a reuse disables the whole chain.
    'refresh-token-one-use': 'always',
    'client-refresh-token-one-use-parameter': 'refresh-token-one-use',
    'allow-non-oidc': false,
    'auth-type-code-enabled': true,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': true,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': false,
    'auth-type-device-enabled': true,
    'auth-type-refresh-enabled': true,
    scope: [],
    'additional-parameters': [],
    claims: [],
    'allowed-scope': ['openid', 'offline_access'],
    'name-claim': 'mandatory',
    'email-claim': 'no',
    'scope-claim': 'no',
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'introspection-revocation-allowed': true,
    'introspection-revocation-auth-scope': [],
    'introspection-revocation-allow-target-client': true,
    'device-authorization-expiration': 600,
    'device-authorization-interval': 1,
    'jwks-show': true,
    'secret-type': 'public',
    'request-parameter-allow': false,
  };
}
