import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A hostile issuer for the redaction tests (issues 12 and 16): a small standalone HTTP
 * server on 127.0.0.1 whose token and revocation endpoints refuse every request and quote
 * what they were sent, and what they minted, in every encoding a real server might use,
 * in `error_description`. Standalone rather than a mode of the embedded oidc-provider,
 * because no real provider does this on purpose; what matters is that the text reaches
 * credshare as an OAuth error body.
 */
export interface EchoIssuer {
  url: string;
  /** Every secret any request presented: refresh_token, token, code, code_verifier, device_code, client_secret, the Basic header's secret. */
  readonly presented: string[];
  close(): Promise<void>;
}

export interface EchoOptions {
  /** Secrets the issuer "minted" and quotes as well (the access and ID tokens of the session under test). */
  minted?: string[];
  /** The device code the device authorization endpoint hands out (then presented, and quoted, by each poll). */
  deviceCode?: string;
}

const SECRET_PARAMETERS = ['refresh_token', 'token', 'code', 'code_verifier', 'device_code', 'client_secret'];

/**
 * Every form the echo quotes a secret in; the tests scan for these and, more strictly,
 * for any 12-character run of a secret in the text decoded (test/support/secret-scan.ts).
 */
export function encodingsOf(secret: string): Record<string, string> {
  const utf16 = Buffer.from(secret, 'utf16le');
  return {
    raw: secret,
    'URL-encoded': encodeURIComponent(secret),
    'URL-encoded, lower case': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    'URL-encoded twice': encodeURIComponent(encodeURIComponent(secret)),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
    'JSON \\u escapes': secret.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'HTML entities (hex)': secret.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`),
    'HTML entities (decimal, every character)': [...secret].map((c) => `&#${c.charCodeAt(0)};`).join(''),
    'wrapped across lines': secret.match(/.{1,16}/gs)!.join('\n    '),
    hex: Buffer.from(secret).toString('hex'),
    'UTF-16 (as text)': utf16.toString('latin1'),
    'UTF-16, hex': utf16.toString('hex'),
    'UTF-16, base64': utf16.toString('base64'),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
  };
}

export async function startEchoIssuer(options: EchoOptions = {}): Promise<EchoIssuer> {
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
          device_authorization_endpoint: `${base}/device`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/device' && options.deviceCode) {
        json(res, 200, { device_code: options.deviceCode, user_code: 'BCDF-GHJK', verification_uri: `${base}/activate`, expires_in: 60, interval: 1 });
        return;
      }
      if (req.method === 'POST' && (url.pathname === '/token' || url.pathname === '/revoke')) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const secrets = SECRET_PARAMETERS.map((name) => form.get(name)).filter((v): v is string => !!v);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) secrets.push(decodeURIComponent(Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').slice(1).join(':')));
        presented.push(...secrets);
        const quoted = [...secrets, ...(options.minted ?? [])]
          .map((s) => Object.entries(encodingsOf(s)).map(([how, form]) => `${how} ${form}`).join(', ')).join('; ');
        // The Authorization header as it came, too (base64 of the percent-encoded id and secret).
        const header = req.headers.authorization ? `; your Authorization header was ${req.headers.authorization}` : '';
        // Not invalid_grant: the refresh path must keep the session and report the text.
        json(res, 400, { error: 'invalid_request', error_description: `cannot use what you sent (${quoted})${header}` });
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
