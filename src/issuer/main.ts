// Run the embedded issuer as its own process:
//
//   node --import tsx src/issuer/main.ts [--port N] [--access-token-ttl S]
//        [--refresh-token-ttl S] [--client-id ID]
//
// Once listening it prints ONE JSON line to stdout,
//   {"issuer": "...", "clientId": "...", "admin": "<base url of admin endpoints>"}
// and stays up until SIGTERM or SIGINT. Everything else goes to stderr.
import { parseArgs } from 'node:util';

// stdout is the protocol channel read by the parent. oidc-provider prints its
// notices with console.info, so route console.info/log to stderr before it loads.
console.info = console.error;
console.log = console.error;

function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'refresh-token-ttl': { type: 'string' },
      'client-id': { type: 'string' },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);

  // Imported only now, so the console redirection above is in place first.
  const { EmbeddedIssuer } = await import('./embedded-issuer');
  const issuer = await EmbeddedIssuer.start({
    port,
    accessTokenTtlSeconds: seconds(values['access-token-ttl'], '--access-token-ttl'),
    refreshTokenTtlSeconds: seconds(values['refresh-token-ttl'], '--refresh-token-ttl'),
    clientId: values['client-id'],
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
