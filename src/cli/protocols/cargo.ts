import { parseToolUrl } from './host-match';

/**
 * cargo's credential-provider protocol, version 1 (cargo-credential crate, "Credential
 * Provider Protocol" in cargo's reference): JSON lines. The provider says hello
 * (`{"v":[1]}`), then answers each request line with `{"Ok": ...}` or `{"Err": ...}`
 * until cargo closes standard input.
 */
export const CARGO_HELLO = '{"v":[1]}';

/** The fields of a request credshare uses; cargo sends more (operation, crate name, ...). */
export interface CargoRequest {
  v: number;
  kind: string;
  indexUrl: string;
  registryName?: string;
  /** The rest of the configured `credential-provider` array, e.g. `["helper", "--protocol", "cargo"]`. */
  args: string[];
}

/** Error kinds cargo knows; the first two make cargo try its next provider. */
export type CargoErrorKind = 'url-not-supported' | 'not-found' | 'operation-not-supported' | 'other';

/** Parses one request line; a string is the reason it is not a request. */
export function parseCargoRequest(line: string): CargoRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'the request from cargo is not JSON';
  }
  const request = value as { v?: unknown; kind?: unknown; registry?: { 'index-url'?: unknown; name?: unknown }; args?: unknown } | null;
  if (typeof request !== 'object' || request === null) return 'the request from cargo is not a JSON object';
  if (request.v !== 1) return `unsupported protocol version ${JSON.stringify(request.v)} (credshare speaks version 1)`;
  const indexUrl = request.registry?.['index-url'];
  if (typeof indexUrl !== 'string') return 'the request from cargo has no registry "index-url"';
  const args = Array.isArray(request.args) ? request.args.filter((a): a is string => typeof a === 'string') : [];
  const name = request.registry?.name;
  return { v: 1, kind: typeof request.kind === 'string' ? request.kind : '', indexUrl, registryName: typeof name === 'string' ? name : undefined, args };
}

/** The URL whose host decides: the index URL without cargo's `sparse+`/`registry+` prefix. */
export function cargoIndexUrl(indexUrl: string): URL | undefined {
  return parseToolUrl(indexUrl.replace(/^(sparse|registry)\+/, ''));
}

/**
 * The `get` answer. `expiration` is the token's own expiry in Unix seconds: cargo keeps
 * the token for the rest of its run and asks again one minute before that time, when
 * credshare (whose tolerance is longer) refreshes. The token is valid for publish and
 * yank as well as reads, so it is `operation_independent`.
 */
export function cargoGetResponse(accessToken: string, expiresAt: number, bareToken: boolean): string {
  return JSON.stringify({
    Ok: {
      kind: 'get',
      token: bareToken ? accessToken : `Bearer ${accessToken}`,
      cache: 'expires',
      expiration: Math.floor(expiresAt / 1000),
      operation_independent: true,
    },
  });
}

/** `{"Ok":{"kind":"login"}}` and the like, for kinds that carry nothing. */
export function cargoOk(kind: 'login' | 'logout'): string {
  return JSON.stringify({ Ok: { kind } });
}

/** An error answer; cargo shows `message` to the user (kind "other"). */
export function cargoError(kind: CargoErrorKind, message?: string): string {
  return JSON.stringify({ Err: message === undefined ? { kind } : { kind, message } });
}
