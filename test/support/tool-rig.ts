import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeBinDir } from './bins';
import { signedInHome, type SignedInHome } from './issuer-home';
import { nativeClient, nativeDir } from './native';
import { runCli, type Finished } from './processes';
import type { SeenRequest } from './seen-requests';

/**
 * What every real-client tool test needs: a credshare home signed in to the real embedded
 * issuer, the installed bins first on PATH, a temporary HOME for the tool's own
 * configuration, and the one rule the test servers apply to tokens.
 */
export interface ToolRig {
  signedIn: SignedInHome;
  /** A scratch directory for the servers and the tool's files; removed by close(). */
  root: string;
  /** Environment for the tool and for `credshare setup`: HOME in root, PATH with the bins first. */
  env: NodeJS.ProcessEnv;
  /** The servers' check: the issuer says the token is live, and it has not been expired here. */
  isValid(token: string): Promise<boolean>;
  /** The profile's hosts become these (known once the test server listens). */
  setHosts(hosts: string[]): void;
  /**
   * The access token's lifetime is over: the store says so and the servers refuse it from
   * now on, as the issuer would once its lifetime had passed (the issuer's lifetime is
   * 5 minutes; the test does not wait for it). Returns the token that expired.
   */
  expireAccessToken(): string;
  accessToken(): string;
  refreshRequests(): number;
  /** `credshare setup TOOL ...extra` with `env` (default: the rig's). */
  setup(tool: string, extra?: string[], env?: NodeJS.ProcessEnv): Promise<Finished>;
  /**
   * Whether setup points the tool at the native client (dist/native/, built when Go is
   * there), which asks a credshare agent started on the first call; else at the Node bins.
   */
  native: boolean;
  /**
   * Native only: waits (up to 20 s) for the agent the first call started to serve, and
   * returns how many requests it has answered; undefined with the Node bins.
   */
  agentServed(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * `native` (default: whenever the client is built): setup writes the native client, as it
 * does for users; false: the Node bins (CREDSHARE_NATIVE=off). Either way agents live in a
 * private socket directory and the one a call started is stopped by close().
 */
export async function startToolRig(options: { native?: boolean } = {}): Promise<ToolRig> {
  const native = options.native ?? (process.platform !== 'win32' && fs.existsSync(nativeClient));
  const signedIn = await signedInHome({ hosts: ['unset.invalid'] });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'credshare-tool-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  const bin = makeBinDir();
  const expired = new Set<string>();
  const runtime = path.join(root, 'run');
  fs.mkdirSync(runtime, { mode: 0o700 });
  // Native: the client's directory first on PATH, as setup tells docker users (docker runs
  // docker-credential-credshare from PATH); setup finds the client there too.
  const env: NodeJS.ProcessEnv = {
    ...signedIn.home.env, HOME: home, PATH: [...(native ? [nativeDir] : []), bin, process.env.PATH].join(path.delimiter), XDG_RUNTIME_DIR: runtime,
    ...(native ? {} : { CREDSHARE_NATIVE: 'off' }),
  };
  // rustup's cargo finds its toolchains under the real HOME unless told.
  if (!process.env.RUSTUP_HOME && process.env.HOME) env.RUSTUP_HOME = path.join(process.env.HOME, '.rustup');
  const accessToken = () => signedIn.home.readSession()!.accessToken;
  return {
    signedIn,
    root,
    env,
    isValid: async (token) => !expired.has(token) && (await signedIn.issuer.isAccessTokenValid(token)),
    setHosts(hosts) {
      const config = JSON.parse(fs.readFileSync(signedIn.home.paths.config, 'utf8'));
      config.profiles.default.hosts = hosts;
      fs.writeFileSync(signedIn.home.paths.config, JSON.stringify(config, null, 2), { mode: 0o600 });
    },
    expireAccessToken() {
      const token = accessToken();
      expired.add(token);
      signedIn.expire();
      return token;
    },
    accessToken,
    refreshRequests: () => signedIn.issuer.stats().refreshRequests,
    setup: (tool, extra = [], setupEnv = env) => runCli(['setup', tool, ...extra], setupEnv),
    native,
    async agentServed() {
      if (!native) return undefined;
      const deadline = Date.now() + 20_000;
      for (;;) {
        const status = await runCli(['agent', 'status', '--json'], env);
        const parsed = status.code === 0 ? JSON.parse(status.stdout) as { running: boolean; requestsServed?: number } : undefined;
        if (parsed?.running) return parsed.requestsServed ?? 0;
        if (Date.now() > deadline) throw new Error(`no agent serves the home 20 s after the first call: ${status.stdout}${status.stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async close() {
      if (native) await runCli(['agent', 'stop'], env);
      await signedIn.close();
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(bin, { recursive: true, force: true });
    },
  };
}

/** "GET /v2/ Basic accepted" lines, for diagnostics and failure messages. */
export function describeSeen(seen: SeenRequest[]): string {
  return seen.map((s) => `${s.method} ${s.path.split('?')[0]} ${s.scheme ? `${s.scheme}${s.username ? ` ${s.username}:` : ' '}<token>` : '(no credentials)'} ${s.accepted ? 'accepted' : 'refused'}`).join('; ');
}
