import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreError } from './errors';
import { ReservedWrite, ensurePrivateDir, readPrivateFile, removeDeadWritersTemps, reservePrivateWrite, writePrivateFileAtomic, type WriteHooks } from './private-files';
import type { Session } from './session';
import { KEEP, type CredentialStore, type SessionChange, type WriteReservation } from './store';

/** The newest `credentials.json` version this build reads and writes. */
export const CREDENTIALS_VERSION = 1;

interface CredentialsDocument {
  version: number;
  sessions: Record<string, Session>;
  [unknownField: string]: unknown;
}

/**
 * The `credentials.json` store (DESIGN.md): versioned, 0600 in a 0700 home, replaced
 * atomically, unknown fields kept. A file it cannot understand is an error that names
 * the file; it is never overwritten.
 */
export class FileCredentialStore implements CredentialStore {
  /** `hooks` are for the fault suite only (src/cli/test-hooks.ts). */
  constructor(readonly file: string, private readonly hooks: WriteHooks = {}) {}

  get location(): string {
    return this.file;
  }

  async read(profile: string): Promise<Session | undefined> {
    return this.readDocument()?.sessions[profile];
  }

  async update(profile: string, change: (current: Session | undefined) => SessionChange, reservation?: WriteReservation): Promise<Session | undefined> {
    ensurePrivateDir(path.dirname(this.file));
    const document = this.readDocument() ?? { version: CREDENTIALS_VERSION, sessions: {} };
    const current = document.sessions[profile];
    const next = change(current);
    if (next === KEEP) return current;
    if (next === undefined && current === undefined) return undefined;
    const sessions = { ...document.sessions };
    if (next === undefined) delete sessions[profile];
    else sessions[profile] = validateSession(this.file, profile, next);
    const content = JSON.stringify({ ...document, sessions }, null, 2) + '\n';
    if (reservation instanceof ReservedWrite && reservation.file === this.file) reservation.commit(content);
    else writePrivateFileAtomic(this.file, content, this.hooks);
    return next;
  }

  /**
   * A temp file beside credentials.json with room for twice its size (rotated tokens can
   * be longer) and never less than 16 KiB, allocated and fsynced now (reservePrivateWrite).
   */
  async reserveWrite(): Promise<WriteReservation> {
    ensurePrivateDir(path.dirname(this.file));
    let size = 0;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      // No file yet: the minimum will do.
    }
    removeDeadWritersTemps(this.file);
    return reservePrivateWrite(this.file, Math.max(2 * size, 16 * 1024), this.hooks);
  }

  async changeStamp(): Promise<string> {
    try {
      // The atomic rename gives every write a new inode, so this catches each write.
      const stat = fs.statSync(this.file);
      return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return 'absent';
    }
  }

  /** Parses and validates the whole file; undefined when it does not exist. */
  readDocument(): CredentialsDocument | undefined {
    const text = readPrivateFile(this.file);
    if (text === undefined) return undefined;
    return parseCredentials(this.file, text);
  }
}

const whatToDo = 'credshare left it untouched: move it aside (or fix it), then run `credshare login`.';

/** Validates the contract's shape; exported for `doctor` and tests. */
export function parseCredentials(file: string, text: string): CredentialsDocument {
  if (text.trim() === '') throw new StoreError(file, 'is empty (a truncated write?)', whatToDo);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StoreError(file, 'is not valid JSON (truncated or corrupt)', whatToDo, { cause: error });
  }
  if (!isObject(parsed) || typeof parsed.version !== 'number' || !isObject(parsed.sessions)) {
    throw new StoreError(file, 'is not a credshare credentials file (expected {"version": 1, "sessions": {...}})', whatToDo);
  }
  if (parsed.version > CREDENTIALS_VERSION) {
    throw new StoreError(file, `was written by a newer credshare (format version ${parsed.version}, this one knows ${CREDENTIALS_VERSION})`,
      'Upgrade credshare; this version will not read or overwrite it.');
  }
  if (parsed.version < 1 || !Number.isInteger(parsed.version)) {
    throw new StoreError(file, `has an unknown format version (${parsed.version})`, whatToDo);
  }
  for (const [profile, session] of Object.entries(parsed.sessions)) validateSession(file, profile, session);
  return parsed as CredentialsDocument;
}

function validateSession(file: string, profile: string, value: unknown): Session {
  const ok = isObject(value)
    && typeof value.accessToken === 'string'
    && typeof value.refreshToken === 'string'
    && typeof value.expiresAt === 'number' && Number.isFinite(value.expiresAt)
    && typeof value.scope === 'string'
    && (value.idToken === undefined || typeof value.idToken === 'string')
    && isObject(value.account) && typeof value.account.id === 'string' && typeof value.account.label === 'string';
  if (!ok) {
    throw new StoreError(file, `holds a session for profile "${profile}" of an unknown shape`, whatToDo);
  }
  return value as Session;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
