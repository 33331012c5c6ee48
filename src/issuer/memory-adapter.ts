import type { Adapter, AdapterPayload } from 'oidc-provider';

// Why not the provider's own in-memory adapter: it keeps each provider's records in
// an LRU capped at 1000 entries (lib/adapters/memory_adapter.js createStorage,
// lib/helpers/lru.js) that drops a whole generation when full. Measured: an idle
// session's refresh token was gone after 1100 refreshes of another session, and
// its next refresh got invalid_grant, which looks exactly like a credshare bug.
// This adapter is unbounded and expires entries by their own TTL only.

/** Models whose records belong to a grant and die with it (same list as the provider's). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface Entry {
  payload: AdapterPayload;
  expiresAt: number; // epoch ms; Infinity when the model gave no TTL
  grantId?: string; // set only for GRANTABLE models
}

/** State shared by the adapters of all models of one issuer. */
class Store {
  readonly entries = new Map<string, Entry>();
  readonly grants = new Map<string, Set<string>>(); // grantId -> entry keys
  readonly userCodes = new Map<string, string>(); // userCode -> DeviceCode id
  readonly sessionUids = new Map<string, string>(); // uid -> Session id
  private writes = 0;

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry?.payload;
  }

  set(key: string, entry: Entry): void {
    this.delete(key); // drop stale secondary indexes of a previous version
    this.entries.set(key, entry);
    if (entry.grantId) {
      const members = this.grants.get(entry.grantId) ?? new Set<string>();
      members.add(key);
      this.grants.set(entry.grantId, members);
    }
    // Expired entries are otherwise dropped only when read; sweep now and then so a
    // long benchmark does not grow without bound.
    if (++this.writes % 2000 === 0) this.sweep();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const { userCode, uid } = entry.payload;
    const id = key.slice(key.indexOf(':') + 1);
    if (entry.grantId) this.grants.get(entry.grantId)?.delete(key);
    if (userCode && this.userCodes.get(userCode) === id) this.userCodes.delete(userCode);
    if (uid && this.sessionUids.get(uid) === id) this.sessionUids.delete(uid);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.delete(key);
    }
    for (const [grantId, members] of this.grants) {
      if (members.size === 0) this.grants.delete(grantId);
    }
  }
}

class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Store,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    // Only grant-bound models join the grant index, like the provider's adapter:
    // an Interaction also names a grantId but must not vanish with a revocation.
    const grantId = GRANTABLE.has(this.model) ? payload.grantId : undefined;
    this.store.set(this.key(id), { payload, expiresAt, grantId });
    if (payload.userCode) this.store.userCodes.set(payload.userCode, id);
    if (this.model === 'Session' && payload.uid) this.store.sessionUids.set(payload.uid, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.key(id));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.userCodes.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.sessionUids.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    // Mutates the stored record in place, as the provider's adapter does: the
    // refresh_token grant re-reads `consumed` from it to detect reuse.
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  /**
   * Undo `consume`: for the issuer behaviours whose rotated refresh token stays usable
   * (a reuse leeway, rotation without revocation); the provider itself never un-consumes.
   */
  unconsume(id: string): void {
    const payload = this.store.get(this.key(id));
    if (payload) delete payload.consumed;
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.grants.get(grantId) ?? []) this.store.delete(key);
    this.store.grants.delete(grantId);
  }
}

/**
 * Build the `adapter` factory for one provider instance: a fresh, unbounded
 * in-memory store whose grant index lets `revokeByGrantId` kill every access
 * token, refresh token and code of a grant at once.
 */
export function createMemoryAdapterFactory(): MemoryAdapterFactory {
  const store = new Store();
  const factory = (model: string): MemoryAdapter => new MemoryAdapter(model, store);
  return Object.assign(factory, { unconsume: (model: string, id: string) => factory(model).unconsume(id) });
}

/** The `adapter` factory, plus a way to un-consume a record (see MemoryAdapter#unconsume). */
export type MemoryAdapterFactory = ((model: string) => Adapter) & { unconsume(model: string, id: string): void };
