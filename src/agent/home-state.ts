import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CoordinatorParts } from '../core/coordinator-parts';
import type { TokenCoordinator } from '../core/coordinator';
import { createFileCoordinator } from '../core/file-coordinator';
import { FileCredentialStore } from '../core/file-store';
import type { HomePaths } from '../core/paths';
import { loadConfig, type Config, type Timings } from '../core/profile';
import { ClaimedElsewhere, RefreshRecord, type RefreshOutcome, type TokenClaim } from '../core/refresh-record';
import type { HomeAccess, SessionSource } from '../cli/context';

/**
 * The agent's way into its home (HomeAccess): what `credshare` reads afresh in every
 * process, kept while the files are unchanged, and one coordinator for every request.
 *
 * "Unchanged" is decided per request by `lstat` (two or three system calls, no read or
 * parse): a file's inode, type, owner, mode, size, modification and change times. Every
 * credshare write is a rename (a new inode), an edit changes the times, and a chmod or
 * chown the change time, so what the CLI would have read, or refused, is what the cache
 * holds or re-reads; what failed to load is never kept, so errors are the CLI's own.
 * File events (the agent watches the home) drop the cache too, which costs nothing.
 */
export class HomeState implements HomeAccess {
  readonly credentials: CachingCredentialStore;
  private readonly record: AgentRefreshRecord;
  private cachedConfig: { key: string; config: Config } | undefined;
  private shared: { key: string; coordinator: TokenCoordinator } | undefined;

  constructor(readonly paths: HomePaths) {
    this.credentials = new CachingCredentialStore(paths.credentials);
    this.record = new AgentRefreshRecord(paths.home);
  }

  config(paths: HomePaths): Config {
    if (paths.home !== this.paths.home) return loadConfig(paths);
    // The key is taken before the read: a change in between is seen by the next request.
    const key = joinKeys(statKey(paths.home, fs.lstatSync), statKey(paths.config, fs.statSync));
    if (key !== undefined && this.cachedConfig?.key === key) return this.cachedConfig.config;
    const config = loadConfig(paths);
    this.cachedConfig = key === undefined ? undefined : { key, config: deepFreeze(config) };
    return config;
  }

  store(paths: HomePaths): FileCredentialStore {
    return paths.credentials === this.paths.credentials ? this.credentials : new FileCredentialStore(paths.credentials);
  }

  /**
   * One coordinator for all requests, so that requests arriving during a refresh join it
   * (single flight), and the timings of config.json as they are now. A request with the
   * debug log or a fault-suite hook gets a coordinator of its own, whose log goes to that
   * request's standard error; it still meets the others at the lock, as any process does.
   */
  async coordinator(paths: HomePaths, timings: Timings, overrides: Partial<CoordinatorParts>): Promise<SessionSource> {
    const own = { store: this.store(paths), record: paths.home === this.paths.home ? this.record : new AgentRefreshRecord(paths.home) };
    if (Object.keys(overrides).length > 0 || paths.home !== this.paths.home) return createFileCoordinator(paths, timings, { ...own, ...overrides });
    const key = JSON.stringify(timings);
    if (this.shared?.key !== key) this.shared = { key, coordinator: createFileCoordinator(paths, timings, own) };
    return this.shared.coordinator;
  }

  /** Drops what was read (a file event in the home). */
  invalidate(): void {
    this.cachedConfig = undefined;
    this.credentials.invalidate();
  }
}

/** credentials.json, re-read only when `lstat` says it (or its directory) changed. */
export class CachingCredentialStore extends FileCredentialStore {
  private cached: { key: string; document: ReturnType<FileCredentialStore['readDocument']> } | undefined;

  override readDocument(): ReturnType<FileCredentialStore['readDocument']> {
    const key = joinKeys(statKey(path.dirname(this.file), fs.lstatSync), statKey(this.file, fs.lstatSync));
    if (key !== undefined && this.cached?.key === key) return this.cached.document;
    const document = super.readDocument();
    // Shared by every request from now on: frozen, so that no caller can change another's.
    this.cached = key === undefined ? undefined : { key, document: document && deepFreeze(document) };
    return document;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

/** `<record file>\n<token fingerprint>` of every refresh-token claim held in this process. */
const claimedInThisProcess = new Set<string>();

/**
 * The refresh record as the agent's requests must see it.
 *
 * Claims: a claim file names its holder by pid, and a claim of one's own pid counts as
 * abandoned (a process has one coordinator). The agent can have several (a request with the
 * debug log or a fault hook gets its own; new timings make a new one), and one of them may
 * take the lock over from a frozen other, as any process may. So a token claimed by another
 * coordinator of this process is claimed elsewhere: the caller waits for its outcome,
 * exactly as for another process, and no token is ever presented twice.
 *
 * Failures: the agent answers every request as a separate `credshare` process would, so a
 * failure an earlier request recorded (under the agent's pid) is another process's failure.
 * The coordinator then reports it until its cool-down ends instead of asking the issuer
 * again at once, as a new process would.
 */
class AgentRefreshRecord extends RefreshRecord {
  override claim(tokenFingerprint: string): TokenClaim | ClaimedElsewhere {
    const key = `${this.file}\n${tokenFingerprint}`;
    if (claimedInThisProcess.has(key)) return new ClaimedElsewhere(process.pid);
    const claim = super.claim(tokenFingerprint);
    if (claim instanceof ClaimedElsewhere) return claim;
    claimedInThisProcess.add(key);
    return { release: () => { claimedInThisProcess.delete(key); claim.release(); } };
  }

  override read(profile: string): RefreshOutcome | undefined {
    const outcome = super.read(profile);
    if (outcome?.by !== process.pid) return outcome;
    const { by: _by, ...others } = outcome;
    return others;
  }
}

/**
 * What `lstat`/`stat` says of a path, as a string that changes whenever the file may have;
 * undefined when it cannot be looked at (the read that follows reports why, as the CLI does).
 */
function statKey(file: string, stat: typeof fs.lstatSync): string | undefined {
  try {
    const s = stat(file, { throwIfNoEntry: false });
    if (!s) return 'absent';
    return `${s.dev}:${s.ino}:${s.mode}:${s.uid}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return undefined;
  }
}

function joinKeys(...keys: (string | undefined)[]): string | undefined {
  return keys.includes(undefined) ? undefined : keys.join('|');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
