import { UsageError } from '../../core/errors';
import { parseCommandLine, parseSeconds } from '../args';
import type { Command } from '../command';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'The background process that answers token and helper calls fast (start, stop, status)',
  usage: `Usage: credshare agent start [--detach] [--idle-timeout SECONDS]
       credshare agent stop
       credshare agent status [--json]

The agent is one long-lived process per credshare home that answers \`credshare token\`
and the credential helpers by running this CLI's own code, so a tool's call costs a
native client's start instead of a Node start. The native client starts it when it finds
none; nothing depends on it: without it every call runs as before.

  start   Serve the home in the foreground (--detach: in the background, then return).
          Does nothing if an agent already serves the home.
  stop    Stop the home's agent (requests under way finish first).
  status  Whether an agent serves the home: pid, socket, build, uptime, requests.

Options:
  --detach                 Start in the background (what the native client runs)
  --idle-timeout SECONDS   Exit after this long without a request (default: config.json's
                           "agentIdleTimeoutSeconds", else 900; 0: never for being idle)
  --json                   status as JSON

The socket is $XDG_RUNTIME_DIR/credshare/agent-<id>.sock (else under $TMPDIR or /tmp,
in a private credshare-<uid> directory); docs/agent-protocol.md has the details.
Exit codes: 0 ok (also "already running" and "not running"), 1 failure, 2 usage error.`,
  async run(argv, _context, io) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'start': {
        const { values } = parseCommandLine('agent', rest, { detach: { type: 'boolean' }, 'idle-timeout': { type: 'string' } });
        const idleTimeoutSeconds = parseSeconds(values['idle-timeout'], '--idle-timeout');
        const { startCommand } = await import('../../agent/commands');
        return startCommand(io, !!values.detach, idleTimeoutSeconds);
      }
      case 'stop': {
        parseCommandLine('agent', rest, {});
        return (await import('../../agent/commands')).stopCommand(io);
      }
      case 'status': {
        const { values } = parseCommandLine('agent', rest, { json: { type: 'boolean' } });
        return (await import('../../agent/commands')).statusCommand(io, !!values.json);
      }
      default:
        throw new UsageError(`Expected start, stop or status${sub ? `, not "${sub}"` : ''}. See \`credshare agent --help\`.`);
    }
  },
};
