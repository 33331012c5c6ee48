import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile issuer for the redaction tests (issue 12): a small standalone HTTP server on
 * 127.0.0.1 whose token and revocation endpoints refuse every request and quote what they
 * were sent, in every encoding a real server might use, in `error_description`. Standalone
 * rather than a mode of the embedded oidc-provider, because no real provider does this on
 * purpose; what matters is that the text reaches credshare as an OAuth error body.
 */
export interface EchoIssuer {
  url: string;
  /** Every secret form parameter any request presented (refresh_token, token, code, code_verifier, device_code). */
  readonly presented: string[];
  close(): Promise<void>;
}

const SECRET_PARAMETERS = ['refresh_token', 'token', 'code', 'code_verifier', 'device_code'];

/** Every form the echo quotes a secret in; the tests scan for the same list. */
export function encodingsOf(secret: string): Record<string, string> {
  return {
    raw: secret,
    'URL-encoded': encodeURIComponent(secret),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
  };
}

export async function startEchoIssuer(): Promise<EchoIssuer> {
  const presented: string[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        json(res, 200, {
          issuer: base,
          authorization_endpoint: `${base}/auth`,
          token_endpoint: `${base}/token`,
          revocation_endpoint: `${base}/revoke`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        });
        return;
      }
      if (req.method === 'POST' && (url.pathname === '/token' || url.pathname === '/revoke')) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const secrets = SECRET_PARAMETERS.map((name) => form.get(name)).filter((v): v is string => !!v);
        presented.push(...secrets);
        const quoted = secrets.map((s) => Object.entries(encodingsOf(s)).map(([how, form]) => `${how} ${form}`).join(', ')).join('; ');
        // Not invalid_grant: the refresh path must keep the session and report the text.
        json(res, 400, { error: 'invalid_request', error_description: `cannot use what you sent (${quoted})` });
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    presented,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
