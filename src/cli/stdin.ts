import * as fs from 'node:fs';
import { UsageError } from '../core/errors';

/** Credential-helper requests are a few hundred bytes; anything near this is not one. */
export const MAX_HELPER_INPUT = 64 * 1024;

/**
 * Reads all of standard input, refusing more than `limit` bytes. Synchronous reads are
 * the cheapest way for a short-lived helper; a non-blocking stdin falls back to a stream.
 */
export async function readStdin(limit = MAX_HELPER_INPUT): Promise<string> {
  const { chunks, add } = limitedBuffer(limit);
  const buffer = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      const read = fs.readSync(0, buffer, 0, buffer.length, null);
      if (read === 0) break;
      add(Buffer.from(buffer.subarray(0, read)));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') {
      for await (const chunk of process.stdin) add(chunk as Buffer);
    } else if (code !== 'EOF' && code !== 'EBADF' && code !== 'ENXIO') {
      throw error;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * All of `stream` (the agent's per-request standard input), with the same limit and the
 * same refusal as {@link readStdin}.
 */
export async function readStream(stream: AsyncIterable<Buffer | string>, limit = MAX_HELPER_INPUT): Promise<string> {
  const { chunks, add } = limitedBuffer(limit);
  for await (const chunk of stream) add(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** `chunks` (standard input that has all arrived), with the same limit and refusal as {@link readStdin}. */
export function joinInput(chunks: Buffer[], limit = MAX_HELPER_INPUT): string {
  const { chunks: kept, add } = limitedBuffer(limit);
  for (const chunk of chunks) add(chunk);
  return Buffer.concat(kept).toString('utf8');
}

function limitedBuffer(limit: number): { chunks: Buffer[]; add: (chunk: Buffer) => void } {
  const chunks: Buffer[] = [];
  let total = 0;
  return {
    chunks,
    add: (chunk) => {
      total += chunk.length;
      if (total > limit) throw new UsageError(`The request on standard input is larger than ${limit} bytes; a credential helper request never is.`);
      chunks.push(chunk);
    },
  };
}
