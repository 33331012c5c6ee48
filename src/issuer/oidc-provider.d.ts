// oidc-provider 9 ships no type declarations and @types/oidc-provider is not a
// dependency, so this declares the small part of its surface the embedded issuer
// uses. Shapes follow node_modules/oidc-provider/lib (provider.js, models/*.js).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** What a model hands its adapter to store (see lib/models/formats/opaque.js). */
  export interface AdapterPayload {
    [key: string]: unknown;
    jti?: string;
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: number;
  }

  /** The storage contract of lib/adapters/memory_adapter.js. */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientModel {
    clientId: string;
    applicationType?: string;
    grantTypeAllowed(grantType: string): boolean;
    redirectUriAllowed(uri: string): boolean;
  }

  export interface TokenModel {
    jti: string;
    kind: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    scope?: string;
    exp?: number;
    consumed?: number;
    readonly isExpired: boolean;
    readonly isValid: boolean;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  interface FindOptions {
    ignoreExpiration?: boolean;
  }

  export interface TokenClass<T> {
    new (properties: Record<string, unknown>): T;
    find(value: string, options?: FindOptions): Promise<T | undefined>;
  }

  export interface GrantModel extends TokenModel {
    addOIDCScope(scope: string): void;
  }

  export interface OidcContext {
    oidc: {
      route?: string;
      params?: Record<string, unknown>;
    };
    req: IncomingMessage;
    method: string;
    path: string;
    status: number;
    body: unknown;
    remove(field: string): void;
  }

  export type Configuration = Record<string, unknown>;

  /** The provider is itself a Koa application (lib/provider.js). */
  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: OidcContext, next: () => Promise<void>) => Promise<void>): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    readonly Client: { find(id: string): Promise<ClientModel | undefined> };
    readonly AccessToken: TokenClass<TokenModel>;
    readonly RefreshToken: TokenClass<TokenModel>;
    readonly DeviceCode: TokenClass<TokenModel>;
    readonly Grant: TokenClass<GrantModel>;
  }

  export default Provider;
}
