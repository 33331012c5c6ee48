import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CredshareError, ExitCode } from '../core/errors';
import { IPC_MAX_MESSAGE, type IpcResponse, type IpcSession, type IpcSessionRequest } from '../core/ipc-protocol';

/** Answers one terminal's request; throws CredshareErrors for the CLI to report. */
export type IpcSessionHandler = (profile: string, minValiditySeconds: number | undefined, scopes?: string[]) => Promise<IpcSession>;

/**
 * The window's end of the terminal IPC (no `vscode` import, so unit tests run it as is).
 * Like VS Code's git extension does for askpass, it owns its socket: a Unix socket in a
 * fresh 0700 directory under XDG_RUNTIME_DIR or the temp dir (a named pipe on Windows),
 * removed on dispose. Every request must carry the window's nonce for the profile it asks
 * for: a nonce opens one profile only, the one the window gave its terminals.
 */
export class IpcServer {
  /** Random per window; never leaves this process. */
  private readonly secret = randomBytes(32);

  /**
   * The nonce that lets a terminal ask for `profile`'s token, and no other profile's: an
   * HMAC of the profile name under the window's secret. Lives in a non-persistent
   * environment collection only.
   */
  nonceFor(profile: string): string {
    return createHmac('sha256', this.secret).update(profile, 'utf8').digest('hex');
  }

  private constructor(
    private readonly server: net.Server,
    readonly handle: string,
    private readonly dir: string | undefined,
  ) {}

  static async listen(handler: IpcSessionHandler, log: (message: string) => void = () => {}): Promise<IpcServer> {
    let handle: string;
    let dir: string | undefined;
    if (process.platform === 'win32') {
      handle = `\\\\.\\pipe\\credshare-${randomBytes(16).toString('hex')}`;
    } else {
      // mkdtemp creates the directory 0700 with an unguessable name: other users cannot reach the socket.
      dir = fs.mkdtempSync(path.join(socketBase(), 'credshare-ipc-'));
      handle = path.join(dir, 'window.sock');
    }
    let ipc: IpcServer | undefined;
    // Half-open: the client ends its side after the request; the answer still has to go back.
    const server = net.createServer({ allowHalfOpen: true }, (socket) => ipc!.serve(socket, handler, log));
    ipc = new IpcServer(server, handle, dir);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(handle, () => { server.off('error', reject); resolve(); });
    });
    if (dir) fs.chmodSync(handle, 0o600);
    return ipc;
  }

  private serve(socket: net.Socket, handler: IpcSessionHandler, log: (message: string) => void): void {
    let text = '';
    let started = false;
    let answered = false;
    const answer = (response: IpcResponse): void => {
      if (answered) return;
      answered = true;
      socket.end(JSON.stringify(response) + '\n');
    };
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const handle = (): void => {
      if (started) return;
      started = true;
      const request = this.parse(text);
      if (!request) {
        log('refused a terminal request without the right nonce for the profile it named');
        return answer({ ok: false, code: 'IPC_REFUSED', exitCode: ExitCode.failure, message: 'The VS Code window refused the request: it did not come from one of its terminals, '
          + 'or it asked for another profile than the one the window gave this terminal (CREDSHARE_PROFILE). Open a new terminal.' });
      }
      socket.setTimeout(0);
      handler(request.profile, request.minValiditySeconds, request.scopes).then(
        (session) => answer({ ok: true, session }),
        (error: unknown) => answer(error instanceof CredshareError
          ? { ok: false, code: error.code, exitCode: error.exitCode, message: error.message }
          : { ok: false, code: 'CREDSHARE_ERROR', exitCode: ExitCode.failure, message: String((error as Error)?.message ?? error).split('\n')[0]! }),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.length > IPC_MAX_MESSAGE) socket.destroy();
      else if (text.includes('\n')) handle();
    });
    socket.on('end', handle);
  }

  private parse(text: string): IpcSessionRequest | undefined {
    let request: Partial<IpcSessionRequest>;
    try {
      request = JSON.parse(text.split('\n')[0]!) as Partial<IpcSessionRequest>;
    } catch {
      return undefined;
    }
    if (request.op !== 'session' || typeof request.profile !== 'string') return undefined;
    if (typeof request.nonce !== 'string' || !sameSecret(request.nonce, this.nonceFor(request.profile))) return undefined;
    if (request.minValiditySeconds !== undefined && typeof request.minValiditySeconds !== 'number') return undefined;
    if (request.scopes !== undefined && !(Array.isArray(request.scopes) && request.scopes.every((s) => typeof s === 'string'))) return undefined;
    return request as IpcSessionRequest;
  }

  dispose(): void {
    this.server.close();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function socketBase(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime) {
    try {
      if (fs.statSync(runtime).isDirectory()) return runtime;
    } catch {
      // Fall back to the temp dir.
    }
  }
  return os.tmpdir();
}
