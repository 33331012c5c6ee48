// Which sign-in flows a window can use, and the checks on URLs the flows hand to the
// browser. No vscode import: test/unit/extension-sign-in-choice.test.ts runs the table.
import type { SignInFlow } from '../core/oauth/flow-choice';

/**
 * Where this window's extension host runs, relative to the browser that will sign in:
 * - `local`: the same machine (desktop VS Code, no remote): a loopback redirect reaches it.
 * - `remote`: desktop VS Code attached to SSH, WSL or a container: VS Code forwards a
 *   loopback port (`asExternalUri`), so the redirect may be reachable.
 * - `web`: a browser workbench (code-server, Codespaces in a browser): the browser is
 *   elsewhere, loopback on the host is usually out of its reach.
 */
export type ExtensionHostKind = 'local' | 'remote' | 'web';

/** The flows the issuer offers, from its metadata (or its configured endpoints). */
export interface IssuerCapabilities {
  authorizationEndpoint: boolean;
  deviceAuthorization: boolean;
}

/** The setting `credshare.signIn.flow`. */
export type FlowSetting = 'auto' | 'browser' | 'deviceCode';

/** `vscode.env.uiKind` and `vscode.env.remoteName`, reduced to the kind of extension host. */
export function extensionHostKind(ui: 'desktop' | 'web', remoteName: string | undefined): ExtensionHostKind {
  if (ui === 'web') return 'web';
  return remoteName ? 'remote' : 'local';
}

/**
 * The flows to try, in order. The browser flow first where a browser can come back to the
 * loopback redirect (local; remote when the forwarded redirect turns out reachable, which
 * is checked when the listener's port is known: see {@link reachableRedirect}); the device
 * flow first in a browser workbench. A flow the issuer does not offer is left out; a flow
 * forced by the setting is the only one tried. Empty: nothing can work (say why).
 */
export function signInFlows(host: ExtensionHostKind, issuer: IssuerCapabilities, setting: FlowSetting): SignInFlow[] {
  const order: SignInFlow[] = setting === 'browser' ? ['browser']
    : setting === 'deviceCode' ? ['device']
      : host === 'web' ? ['device', 'browser'] : ['browser', 'device'];
  return order.filter((flow) => (flow === 'browser' ? issuer.authorizationEndpoint : issuer.deviceAuthorization));
}

/**
 * The redirect URI to give the issuer, given the listener's loopback URI and what
 * `asExternalUri` made of it; undefined when a browser cannot come back to it. Reachable
 * means: still plain HTTP on loopback with the same path, only the port may differ (VS
 * Code forwarded it; RFC 8252 section 7.3 lets loopback redirects use any port). A tunnel
 * or proxy URL (another host, another path) is not a loopback redirect the issuer knows.
 */
export function reachableRedirect(loopback: string, external: string): string | undefined {
  let url: URL;
  try {
    url = new URL(external);
  } catch {
    return undefined;
  }
  const original = new URL(loopback);
  const loopbackHost = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'http:' || !loopbackHost || url.pathname !== original.pathname) return undefined;
  // The listener is on 127.0.0.1: keep the IP literal (RFC 8252 section 8.3), take the forwarded port.
  return `http://127.0.0.1:${url.port || '80'}${original.pathname}`;
}

/**
 * The page to open for a device sign-in: `verification_uri_complete` where the issuer
 * sends one, else `verification_uri`; only http(s). Anything else (`file:`, `command:`,
 * `javascript:`, a custom scheme) could make `openExternal` run something on the user's
 * machine at the issuer's word, so it is never opened: undefined.
 */
export function openableVerificationUri(prompt: { verificationUri: string; verificationUriComplete?: string }): string | undefined {
  for (const candidate of [prompt.verificationUriComplete, prompt.verificationUri]) {
    if (!candidate) continue;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
    } catch {
      // Not a URL: try the next one.
    }
  }
  return undefined;
}
