// Run the embedded issuer as its own process:
//
//   node --import tsx src/issuer/main.ts [--port N] [--access-token-ttl S]
//        [--refresh-token-ttl S] [--client-id ID] [--behaviour NAME]...
//        [--reuse-leeway S] [--redirect-uri URI]...
//
// --behaviour names one of BEHAVIOUR_PRESETS (src/issuer/behaviours.ts), e.g. bare-400,
// no-discovery, client-secret; --reuse-leeway overrides the leeway of reuse-leeway.
// Once listening it prints ONE JSON line to stdout,
//   {"issuer": "...", "clientId": "...", "admin": "<base url of admin endpoints>"}
// and stays up until SIGTERM or SIGINT. Everything else goes to stderr. A client secret,
// where a behaviour makes one, is handed out by the admin endpoint GET /client only.
import { parseArgs } from 'node:util';

// stdout is the protocol channel read by the parent. oidc-provider prints its
// notices with console.info, so route console.info/log to stderr before it loads.
console.info = console.error;
console.log = console.error;

function seconds(value: string | undefined, flag: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !allowZero)) throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'client-id': { type: 'string' },
      behaviour: { type: 'string', multiple: true },
      'reuse-leeway': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);

  // Imported only now, so the console redirection above is in place first.
  const { EmbeddedIssuer, behavioursNamed } = await import('./embedded-issuer');
  const behaviours = behavioursNamed(values.behaviour ?? []);
  const leeway = seconds(values['reuse-leeway'], '--reuse-leeway', true);
  if (leeway !== undefined) behaviours.reuseLeewaySeconds = leeway;
  const issuer = await EmbeddedIssuer.start({
    port,
    accessTokenTtlSeconds: seconds(values['access-token-ttl'], '--access-token-ttl'),
    refreshTokenTtlSeconds: seconds(values['refresh-token-ttl'], '--refresh-token-ttl'),
    clientId: values['client-id'],
    behaviours,
    ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
  });

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    issuer.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  process.stdout.write(`${JSON.stringify({ issuer: issuer.url, clientId: issuer.clientId, admin: issuer.adminUrl })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`issuer: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
