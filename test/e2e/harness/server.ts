// Start code-server (a complete VS Code server + web workbench) for one test run, with
// everything isolated under a fresh run directory: user data, extensions, HOME, results.
//
// Why code-server and not lib/vscode/out/server-main.js: code-server installs a built .vsix
// with --install-extension exactly like a user would, binds to port 0 and prints the port,
// and accepts VS Code server options through --vscode-option; `--vscode-option
// enable-smoke-test-driver` gives the same window.driver (and payload development options)
// that the plain server has, when wanted (off by default: it hides notification toasts).
// See test/e2e/README.md.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync, existsSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireTools, type E2eToolPaths } from './paths';

const run = promisify(execFile);

/** User settings every run starts from: no AI/chat, no welcome page, no trust prompts, no update checks. */
export const defaultSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'terminal.integrated.enablePersistentSessions': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.defaultProfile.linux': 'bash',
  'remote.autoForwardPorts': false,
};

export interface ServerOptions {
  /** .vsix files to install (code-server --install-extension) before the server starts. */
  vsix?: string[];
  /** Extra environment for the server; every extension host, the pty host and the terminals inherit it. */
  env?: Record<string, string>;
  /** Merged over defaultSettings into <user-data-dir>/User/settings.json. */
  settings?: Record<string, unknown>;
  /** Run directory (default: a fresh mkdtemp). Everything of the run lives below it. */
  runDir?: string;
  /** Give the server (and so the extension hosts and terminals) its own HOME/XDG dirs under runDir (default true). */
  isolateHome?: boolean;
  /** Seconds an extension host of a disconnected window lives on (code-server's default is 3 hours). */
  reconnectionGraceSeconds?: number;
  /** Pass --enable-smoke-test-driver to VS Code (window.driver; ?payload= development options
   *  such as extensionDevelopmentPath/extensionTestsPath). Off by default because it also stops
   *  notification toasts (they only go to the notification center). */
  smokeTestDriver?: boolean;
  /** Extra code-server arguments. */
  extraArgs?: string[];
}

export interface VsCodeServer {
  url: string;
  port: number;
  pid: number;
  smokeTestDriver: boolean;
  tools: E2eToolPaths;
  runDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** A folder to open (empty, created per run). */
  workspaceDir: string;
  /** CREDSHARE_E2E_OUT: fixture extensions write <outDir>/<extension host pid>/*.json here. */
  outDir: string;
  /** CREDSHARE_HOME given to the server (so to the extension hosts and terminals). */
  credshareHome: string;
  /** The environment the server was started with (what extension hosts and terminals inherit). */
  env: Record<string, string>;
  /** Workbench URL for a folder (default workspaceDir); `payload` = VS Code development options. */
  windowUrl(folder?: string, payload?: [string, string][]): string;
  /** The server's own stdout+stderr so far. */
  serverLog(): string;
  /** <user-data-dir>/logs/<session>: remoteagent.log, exthostN/remoteexthost.log, exthostN/<ext id>/<channel>.log. */
  logsDir(): string | undefined;
  /** Throws if the run directory lost its files while the server ran (seen when something ran
   *  `rm -rf /tmp/credshare-e2e-*` meanwhile: windows then show "A setting has changed that
   *  requires a reload" and no extension host starts). */
  checkRunDir(): void;
  /** Copy the server's logs and its stdout to `dest`. */
  collectLogs(dest: string): void;
  stop(): Promise<void>;
}

function cleanEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined) continue;
    // Leaks from a surrounding VS Code / Electron / test runner would change how the server behaves.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'NODE_OPTIONS' || k.startsWith('NODE_TEST')) continue;
    env[k] = v;
  }
  return env;
}

/** Install .vsix files into an extensions dir with code-server's CLI (exits when done). */
export async function installVsix(tools: E2eToolPaths, dirs: { userDataDir: string; extensionsDir: string; config: string }, vsix: string[], env: Record<string, string>): Promise<void> {
  if (!vsix.length) return;
  const args = [path.join(tools.codeServer, 'out', 'node', 'entry.js'), '--config', dirs.config, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--force'];
  for (const v of vsix) args.push('--install-extension', v);
  const { stdout, stderr } = await run(tools.node, args, { env, timeout: 120_000, maxBuffer: 16 << 20 });
  const out = stdout + stderr;
  const ok = (out.match(/was successfully installed/g) ?? []).length;
  if (ok !== vsix.length) throw new Error(`installing ${vsix.join(', ')} failed:\n${out}`);
}

export async function startVsCodeServer(opts: ServerOptions = {}): Promise<VsCodeServer> {
  const tools = requireTools();
  const runDir = opts.runDir ?? mkdtempSync(path.join(os.tmpdir(), 'credshare-e2e-'));
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  const workspaceDir = path.join(runDir, 'workspace');
  const outDir = path.join(runDir, 'out');
  const credshareHome = path.join(runDir, 'credshare-home');
  const home = path.join(runDir, 'home');
  const config = path.join(runDir, 'code-server.yaml');
  for (const d of [userDataDir, extensionsDir, workspaceDir, outDir, home, path.join(userDataDir, 'User')]) mkdirSync(d, { recursive: true });
  mkdirSync(credshareHome, { recursive: true, mode: 0o700 });
  // Without --config code-server writes ~/.config/code-server/config.yaml (with a password).
  writeFileSync(config, 'auth: none\ncert: false\n');
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...defaultSettings, ...opts.settings }, null, 2));

  const env = cleanEnv(process.env);
  if (opts.isolateHome !== false) {
    Object.assign(env, {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
    });
  }
  Object.assign(env, {
    CREDSHARE_HOME: credshareHome,
    CREDSHARE_E2E_OUT: outDir,
    // No extension gallery: point it at a closed local port instead of open-vsx.org.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
    ...opts.env,
  });

  await installVsix(tools, { userDataDir, extensionsDir, config }, opts.vsix ?? [], env);

  const args = [
    path.join(tools.codeServer, 'out', 'node', 'entry.js'),
    '--config', config,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time', String(opts.reconnectionGraceSeconds ?? 10),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    // code-server refuses --enable-smoke-test-driver, but passes it through this way:
    // window.driver exists and the ?payload= development options are honoured.
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(opts.extraArgs ?? []),
  ];
  // Own process group, so stop() ends the server and every process it started (and nothing else).
  const child: ChildProcess = spawn(tools.node, args, { cwd: runDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  // If the test process exits without stop() (crash, process.exit), take the server down too:
  // it is in its own process group and would otherwise outlive us.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 60s:\n${log}`)), 60_000);
    const check = () => {
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;

  let stopped = false;
  const server: VsCodeServer = {
    url,
    port,
    pid: child.pid!,
    smokeTestDriver: !!opts.smokeTestDriver,
    tools,
    runDir,
    userDataDir,
    extensionsDir,
    workspaceDir,
    outDir,
    credshareHome,
    env,
    windowUrl(folder = workspaceDir, payload) {
      const q = new URLSearchParams({ folder });
      if (payload) q.set('payload', JSON.stringify(payload));
      return `${url}/?${q.toString()}`;
    },
    serverLog: () => log,
    checkRunDir() {
      const missing = [path.join(userDataDir, 'User', 'settings.json'), extensionsDir, workspaceDir, outDir, config].filter((f) => !existsSync(f));
      if (missing.length) throw new Error(`the run directory ${runDir} was emptied while the server ran (missing: ${missing.join(', ')}); did something delete /tmp/credshare-e2e-*?`);
    },
    logsDir() {
      const root = path.join(userDataDir, 'logs');
      if (!existsSync(root)) return undefined;
      // One folder per server start, named by time; the server writes remoteagent.log into it.
      const sessions = readdirSync(root).filter((d) => existsSync(path.join(root, d, 'remoteagent.log'))).sort();
      return sessions.length ? path.join(root, sessions[sessions.length - 1]!) : undefined;
    },
    collectLogs(dest) {
      mkdirSync(dest, { recursive: true });
      writeFileSync(path.join(dest, 'code-server.stdout.log'), log);
      const logs = path.join(userDataDir, 'logs');
      if (existsSync(logs)) cpSync(logs, path.join(dest, 'logs'), { recursive: true });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(t);
      // Children that outlived the server (extension hosts of its group) get the same treatment.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* none left */
      }
    },
  };
  return server;
}

