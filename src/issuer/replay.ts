import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

// The issuer reads some request bodies before the provider does (to count, fault or
// police them) and then hands the provider an unread copy.

const BODY_LIMIT = 56 * 1024; // the provider's own limit (lib/shared/selective_body.js)

/** A request whose body has been read: the body, its form fields, and a fresh copy for the provider. */
export interface ReadRequest {
  body: Buffer;
  /** The form fields; empty unless the body is application/x-www-form-urlencoded. */
  form: URLSearchParams;
  /** Hands out an unread copy of the request, for the provider (with `body` in place of the one read, if given). */
  replay(body?: Buffer): IncomingMessage;
}

/** Read the body of `req`; undefined when it exceeds the provider's limit. */
export async function readRequest(req: IncomingMessage): Promise<ReadRequest | undefined> {
  const body = await readBody(req);
  if (body === undefined) return undefined;
  const isForm = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
  return { body, form: new URLSearchParams(isForm ? body.toString('utf8') : ''), replay: (other) => replayRequest(req, other ?? body) };
}

/** Read the whole body, or undefined when it exceeds the provider's limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A fresh request carrying the body we already read. The provider reads bodies from
 * the stream itself and, given a pre-parsed `req.body` instead, prints a warning
 * (lib/shared/selective_body.js); so it gets an unread stream with the same head.
 */
function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = new IncomingMessage(original.socket as Socket);
  const headers = original.headers['content-length'] === undefined ? original.headers : { ...original.headers, 'content-length': String(body.length) };
  Object.assign(replay, {
    method: original.method,
    url: original.url,
    headers,
    rawHeaders: original.rawHeaders,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    complete: true,
    // IncomingMessage#_read would resume the real socket; our data is already here.
    _read: () => undefined,
  });
  replay.push(body);
  replay.push(null);
  return replay;
}

