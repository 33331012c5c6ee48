import * as fs from 'node:fs';
import { errnoCode } from '../core/errors';

/**
 * Writes a command's answer straight to file descriptor 1. A credential helper prints one
 * short answer and exits; creating `process.stdout` for it (a stream over the pipe that
 * Bazel or git reads, which loads Node's net and stream modules) cost more start-up than
 * the rest of the fresh-token path. The bytes are the same; a blocking pipe, file or
 * terminal takes them whole, and a non-blocking pipe that is full (EAGAIN) gets the rest
 * through `process.stdout`, which waits for it.
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < bytes.length) offset += fs.writeSync(1, bytes, offset);
  } catch (error) {
    if (errnoCode(error) !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(offset));
  }
}
