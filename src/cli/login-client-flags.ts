import { UsageError } from '../core/errors';
import { clientProblem, type Profile, type ProfileEndpoints } from '../core/profile';
import type { CliIo } from './io';

/** `credshare login`'s options for the issuer-reach fields of a profile (parseArgs shape). */
export const CLIENT_FLAG_OPTIONS = {
  'client-secret-stdin': { type: 'boolean' },
  'token-endpoint-auth-method': { type: 'string' },
  'redirect-port': { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'device-authorization-endpoint': { type: 'string' },
  'revocation-endpoint': { type: 'string' },
  'userinfo-endpoint': { type: 'string' },
} as const;

/** The lines of `credshare login --help` for those options. */
export const CLIENT_FLAG_HELP = `Client options (saved in the profile; see the README's "Files"):
  --client-secret-stdin  Read the client secret (an installed-app secret, e.g. Google's)
                      from the first line of standard input. Never give it as an argument.
  --token-endpoint-auth-method M
                      none, client_secret_basic or client_secret_post (default: none
                      without a secret, else what the issuer's metadata lists, basic first)
  --redirect-port N   Browser flow: listen on exactly http://127.0.0.1:N/callback, for
                      issuers that compare redirect URIs exactly (default: a random port)
  --authorization-endpoint URL, --token-endpoint URL, --device-authorization-endpoint URL,
  --revocation-endpoint URL, --userinfo-endpoint URL
                      Use these instead of discovery (issuers without a discovery
                      document, e.g. GitHub). --token-endpoint is required with any of them;
                      together they replace the stored endpoints.`;

type ClientFlags = { [K in keyof typeof CLIENT_FLAG_OPTIONS]?: (typeof CLIENT_FLAG_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
type ClientFields = Pick<Profile, 'clientSecret' | 'tokenEndpointAuthMethod' | 'redirectPort' | 'endpoints'>;

const ENDPOINT_FLAGS: Record<keyof ProfileEndpoints, keyof ClientFlags> = {
  authorization: 'authorization-endpoint',
  token: 'token-endpoint',
  deviceAuthorization: 'device-authorization-endpoint',
  revocation: 'revocation-endpoint',
  userinfo: 'userinfo-endpoint',
};

/**
 * The profile's client fields after `login`: each flag given replaces the stored value;
 * the others are kept from `inherited` (the stored profile, when it is for the same issuer
 * and client; a new client starts from nothing, so an old secret never reaches it).
 * Checked like config.json, as usage errors.
 */
export async function clientFields(flags: ClientFlags, inherited: ClientFields | undefined, io: CliIo): Promise<ClientFields> {
  const fields: Record<string, unknown> = { ...pick(inherited) };
  if (flags['client-secret-stdin']) fields.clientSecret = await readSecretLine(io);
  if (flags['token-endpoint-auth-method'] !== undefined) fields.tokenEndpointAuthMethod = flags['token-endpoint-auth-method'];
  if (flags['redirect-port'] !== undefined) {
    if (!/^\d+$/.test(flags['redirect-port'])) throw new UsageError(`--redirect-port takes a port number, not "${flags['redirect-port']}". See \`credshare login --help\`.`);
    fields.redirectPort = Number(flags['redirect-port']);
  }
  const endpoints: Record<string, string> = {};
  for (const [key, flag] of Object.entries(ENDPOINT_FLAGS)) {
    const value = flags[flag];
    if (typeof value === 'string') endpoints[key] = value;
  }
  if (Object.keys(endpoints).length > 0) fields.endpoints = endpoints;
  const problem = clientProblem(fields);
  if (problem) {
    throw new UsageError(`${problem.replace(/"(\w+)"/, (_m, name: string) => flagName(name))}. See \`credshare login --help\`.`);
  }
  return fields as ClientFields;
}

function pick(fields: ClientFields | undefined): ClientFields {
  if (!fields) return {};
  const { clientSecret, tokenEndpointAuthMethod, redirectPort, endpoints } = fields;
  return {
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod } : {}),
    ...(redirectPort !== undefined ? { redirectPort } : {}),
    ...(endpoints !== undefined ? { endpoints } : {}),
  };
}

/** The command-line spelling of a profile field, for usage errors. */
function flagName(field: string): string {
  const names: Record<string, string> = {
    clientSecret: '--client-secret-stdin', tokenEndpointAuthMethod: '--token-endpoint-auth-method', redirectPort: '--redirect-port', endpoints: 'the endpoint options',
  };
  return names[field] ?? field;
}

/** The first line of standard input; from a terminal, one line typed or pasted after a prompt. */
async function readSecretLine(io: CliIo): Promise<string> {
  let line: string;
  if (io.stdinIsTerminal) {
    io.stderr('Client secret (one line, then Enter): ');
    // Loaded here: every credshare process loads this file (the command table), few read a secret.
    const { createInterface } = await import('node:readline');
    const lines = createInterface({ input: io.stdinStream(), terminal: false });
    line = await new Promise<string>((resolve) => {
      lines.once('line', resolve);
      lines.once('close', () => resolve(''));
    });
    lines.close();
  } else {
    line = (await io.readStdin()).split(/\r?\n/, 1)[0] ?? '';
  }
  const secret = line.trim();
  if (!secret) throw new UsageError('--client-secret-stdin read no secret: give it on the first line of standard input, e.g. `credshare login ... --client-secret-stdin < secret.txt`.');
  return secret;
}
