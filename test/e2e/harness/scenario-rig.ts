// The set-up and tear-down every credshare scenario suite shares: the embedded issuer,
// code-server with credshare.vsix and the consumer extension installed, a browser and the
// first windows; at the end, logs collected, failed windows photographed, timings written,
// and the run directory kept when something failed (or CREDSHARE_E2E_KEEP is set).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { EmbeddedIssuer } from '../../../src/issuer/embedded-issuer';
import { launchBrowser, openWindows, type E2eBrowser } from './browser';
import { CREDSHARE, credshareVsix, startIssuer, type IssuerAdmin } from './credshare';
import { fixturesDir, resultsDir } from './paths';
import { startVsCodeServer, type VsCodeServer } from './server';
import { StepTimer } from './timer';
import { packageExtension } from './vsix';
import type { VsCodeWindow } from './window';

export interface ScenarioRigOptions {
  /** Names the timings file, the logs folder and the run directory. */
  name: string;
  /** Screenshots of windows in a failed run are named `<prefix>-FAILED-window<N>`. */
  failedPrefix: string;
  /** User settings for code-server, given the issuer (which is started first). */
  settings: (issuer: EmbeddedIssuer) => Record<string, unknown>;
  /** Windows open before the first step, credshare activated in each. */
  firstWindows: number;
  /** More extensions to install beside credshare and the consumer: returns their .vsix files, given a temp dir. */
  extraVsix?: (tmp: string) => Promise<string[]>;
  /** More fixture extensions (folder names under fixtures/) to install beside the consumer. */
  extraFixtures?: string[];
}

/** What a scenario's steps use; every field is set once the suite's `before` has run. */
export interface ScenarioRig {
  readonly timer: StepTimer;
  issuer: EmbeddedIssuer;
  admin: IssuerAdmin;
  server: VsCodeServer;
  browser: E2eBrowser;
  /** Where terminal commands in the steps write their output; a file STOP there ends their loops. */
  terminalDir: string;
  /** Every window opened so far, in order. */
  windows: VsCodeWindow[];
  /** Opens `count` more windows and waits for credshare to activate in each. */
  openWindows(count: number): Promise<VsCodeWindow[]>;
  /** A test step; one that fails keeps the run directory and screenshots the windows. */
  step(name: string, fn: () => Promise<void>): void;
  /** Asks the consumer extension in `w` for a session, silently, and returns its answer. */
  consumerGet<T>(w: VsCodeWindow): Promise<T>;
}

/** Call inside a `describe`: registers its `before` and `after` and returns the rig they fill. */
export function scenarioRig(options: ScenarioRigOptions): ScenarioRig {
  let tmp: string | undefined;
  let failed = false;
  const rig = {
    timer: new StepTimer(),
    windows: [],
    async openWindows(count: number) {
      const opened = await openWindows(rig.server, rig.browser, count);
      for (const w of opened) await w.waitForExtensionActivated(CREDSHARE);
      rig.windows.push(...opened);
      return opened;
    },
    step(name: string, fn: () => Promise<void>) {
      it(name, async () => {
        try {
          await rig.timer.time(name, fn);
        } catch (error) {
          failed = true;
          throw error;
        }
      });
    },
    async consumerGet<T>(w: VsCodeWindow) {
      const since = Date.now();
      await w.runCommand('credshare e2e: Get Session (silent)');
      return w.waitForResult<T>('get-session-silent.json', { newerThan: since });
    },
  } as unknown as ScenarioRig;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `credshare-e2e-${options.name}-`));
    mkdirSync(resultsDir, { recursive: true });
    for (const f of readdirSync(resultsDir)) if (f.startsWith(`${options.failedPrefix}-FAILED-`)) rmSync(path.join(resultsDir, f));
    ({ issuer: rig.issuer, admin: rig.admin } = await startIssuer());
    const consumer = await packageExtension(path.join(fixturesDir, 'consumer-extension'), path.join(tmp, 'vsix'), { dependencies: false });
    const fixtures = await Promise.all((options.extraFixtures ?? [])
      .map((name) => packageExtension(path.join(fixturesDir, name), path.join(tmp!, 'vsix'), { dependencies: false })));
    const extra = options.extraVsix ? await options.extraVsix(tmp) : [];
    rig.server = await rig.timer.time(`install credshare.vsix + consumer + ${fixtures.length + extra.length} more, start code-server (${options.name})`, () => startVsCodeServer({
      vsix: [credshareVsix(), consumer, ...fixtures, ...extra],
      runDir: path.join(tmp!, 'run'),
      settings: options.settings(rig.issuer),
    }));
    rig.terminalDir = path.join(rig.server.outDir, 'terminal');
    mkdirSync(rig.terminalDir, { recursive: true });
    rig.browser = await launchBrowser();
    await rig.timer.time(`open ${options.firstWindows} window(s)`, () => rig.openWindows(options.firstWindows));
  });

  after(async () => {
    if (rig.terminalDir) writeFileSync(path.join(rig.terminalDir, 'STOP'), '');
    const logsDest = path.join(resultsDir, 'logs', options.name);
    rmSync(logsDest, { recursive: true, force: true });
    if (failed) for (const w of rig.windows) await w.screenshot(`${options.failedPrefix}-FAILED-window${w.index}`).catch(() => {});
    rig.server?.collectLogs(logsDest);
    await rig.browser?.close();
    await rig.server?.stop();
    await rig.issuer?.stop();
    rig.timer.write(options.name);
    console.log(`\ncredshare e2e ${options.name} timings:\n${rig.timer.summary()}\nlogs: ${logsDest}\n`);
    if (tmp && !failed && !process.env.CREDSHARE_E2E_KEEP) rmSync(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`run directory kept: ${tmp}`);
  });

  return rig;
}
