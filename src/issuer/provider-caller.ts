import type { IncomingMessage } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { IssuerBehaviours } from './behaviours';
import { DISCOVERY_PATHS, adjustMetadata } from './endpoint-policy';
import type { ErrorShape, ProviderCall } from './token-gate';

/** What the issuer changes in the provider's answers. */
export interface AnswerShaping {
  /** `interval` added to device authorization responses (the provider sends none). */
  deviceIntervalSeconds: number;
  behaviours: IssuerBehaviours;
  /** Published as `revocation_endpoint_auth_methods_supported` when given. */
  revocationAuthMethods?: string[];
}

/**
 * A way to hand requests to the provider that resolves with the status the provider
 * decided on, and reshapes answers as `shaping` says.
 *
 * The provider's Koa stack runs the middleware installed here around its router: after
 * next() the handler has finished and ctx.status and ctx.body are final, but nothing is
 * written yet, so stats change before the client can see the answer (and also when it
 * hung up), and the answer can still be reshaped.
 */
export function providerCaller(provider: Provider, shaping: AnswerShaping): ProviderCall {
  const calls = new WeakMap<IncomingMessage, { settle: (status: number) => void; errorShape?: ErrorShape }>();
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      calls.get(ctx.req)?.settle(ctx.status);
    }
    const body = ctx.status === 200 && ctx.body && typeof ctx.body === 'object' ? ctx.body as Record<string, unknown> : undefined;
    if (body && ctx.method === 'POST' && ctx.path === '/device/auth') body.interval = shaping.deviceIntervalSeconds;
    if (body && ctx.method === 'GET' && DISCOVERY_PATHS.includes(ctx.path)) adjustMetadata(shaping.behaviours, body, shaping.revocationAuthMethods);
    if (body && ctx.method === 'POST' && ctx.path === '/token' && (ctx.oidc as { params?: { grant_type?: unknown } } | undefined)?.params?.grant_type === 'refresh_token') {
      if (shaping.behaviours.refreshWithoutRotation) delete body.refresh_token;
      if (shaping.behaviours.refreshAnswersWithoutScope) delete body.scope;
    }
    const shape = calls.get(ctx.req)?.errorShape;
    if (shape === 'bare' && ctx.status >= 400) {
      ctx.body = ''; // the status stays: the error handler set it explicitly
      ctx.remove('Content-Type');
    } else if (shape === 'status-200' && ctx.status >= 400) {
      ctx.status = 200; // the OAuth error body stays
    }
  });
  const callback = provider.callback();
  return (req, res, options = {}) =>
    new Promise<number>((resolve) => {
      calls.set(req, { settle: resolve, ...options });
      callback(req, res);
    });
}
