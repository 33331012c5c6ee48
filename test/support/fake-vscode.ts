/**
 * The few parts of the `vscode` API that the extension's backend and sign-in flow touch,
 * for unit tests of them outside VS Code (the real module exists only inside an extension
 * host). A mock, on purpose: what these tests check is credshare's own logic between the
 * API calls. `openExternal` hands the URL to `fakeVscode.browser`, which a test sets to
 * play the user's browser; notifications are recorded in `fakeVscode.messages`.
 */
import Module from 'node:module';

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void { for (const l of [...this.listeners]) l(value); }
  dispose(): void { this.listeners.clear(); }
}

export class CancellationError extends Error {}

export const fakeVscode = {
  browser: async (_url: string): Promise<void> => {},
  messages: [] as string[],
  /** Authentication providers registered, by id. */
  providers: new Map<string, unknown>(),
};

/** `vscode.l10n.t` in both its forms: `(message, ...args)` and `({ message, args, comment })`. */
const format = (text: string | { message: string; args?: unknown[] }, ...args: unknown[]): string => {
  const message = typeof text === 'string' ? text : text.message;
  const values = typeof text === 'string' ? args : text.args ?? [];
  return message.replace(/\{(\d+)\}/g, (_, i: string) => String(values[Number(i)]));
};

export const vscodeStub = {
  EventEmitter,
  CancellationError,
  ProgressLocation: { Notification: 15 },
  UIKind: { Desktop: 1, Web: 2 },
  ConfigurationTarget: { Global: 1 },
  l10n: { t: format },
  Uri: { parse: (value: string) => ({ toString: () => value }) },
  env: {
    uiKind: 1,
    remoteName: undefined,
    asExternalUri: async (uri: unknown) => uri,
    openExternal: async (uri: { toString(): string }) => { await fakeVscode.browser(uri.toString()); return true; },
    clipboard: { writeText: async () => {} },
  },
  window: {
    withProgress: async <T>(_options: unknown, task: (progress: unknown, token: unknown) => Promise<T>): Promise<T> =>
      task({ report: () => {} }, { isCancellationRequested: false, onCancellationRequested: () => ({ dispose: () => {} }) }),
    showErrorMessage: async (message: string) => { fakeVscode.messages.push(message); return undefined; },
    showWarningMessage: async (message: string) => { fakeVscode.messages.push(message); return undefined; },
    showInformationMessage: async (message: string) => { fakeVscode.messages.push(message); return undefined; },
  },
  workspace: { onDidChangeConfiguration: () => ({ dispose: () => {} }) },
  commands: {
    registerCommand: () => ({ dispose: () => {} }),
    executeCommand: async () => undefined,
  },
  authentication: {
    /** Registers the provider where a test can reach it: `fakeVscode.providers`. */
    registerAuthenticationProvider: (id: string, _label: string, provider: unknown) => {
      fakeVscode.providers.set(id, provider);
      return { dispose: () => fakeVscode.providers.delete(id) };
    },
  },
};

/** Makes `require('vscode')` resolve to {@link vscodeStub}; call before importing extension modules. */
export function installFakeVscode(): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscodeStub : original.call(this, request, ...rest);
  };
}

/** A LogOutputChannel that keeps its lines, for assertions. */
export function fakeLog(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void; debug(m: string): void; trace(m: string): void; show(): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`),
    debug: (m) => lines.push(`debug ${m}`), trace: () => {}, show: () => {},
  };
}

/** VS Code's SecretStorage, in memory. */
export class FakeSecrets {
  readonly values = new Map<string, string>();
  async get(key: string) { return this.values.get(key); }
  async store(key: string, value: string) { this.values.set(key, value); }
  async delete(key: string) { this.values.delete(key); }
  onDidChange() { return { dispose: () => {} }; }
}

/** Points the extension (which reads `process.env`, as an extension host does) at `home` for one test. */
export function useCredshareHome(t: { after(fn: () => void): void }, home: string): void {
  const saved = process.env.CREDSHARE_HOME;
  process.env.CREDSHARE_HOME = home;
  t.after(() => { if (saved === undefined) delete process.env.CREDSHARE_HOME; else process.env.CREDSHARE_HOME = saved; });
}
