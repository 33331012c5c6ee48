/** The two interactive sign-in flows. */
export type SignInFlow = 'browser' | 'device';

/** The flow to use by default here, and why (shown by `login` and `doctor`). */
export interface FlowChoice {
  flow: SignInFlow;
  reason: string;
}

/**
 * Device flow where a browser on this machine cannot be opened or cannot reach the
 * loopback redirect: an SSH session, no display on a desktop-less Unix, or no terminal
 * to talk to. The browser flow everywhere else.
 */
export function preferredFlow(env: NodeJS.ProcessEnv, interactive: boolean, platform: NodeJS.Platform = process.platform): FlowChoice {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return { flow: 'device', reason: 'this is an SSH session' };
  const hasDisplay = platform === 'darwin' || platform === 'win32' || !!env.DISPLAY || !!env.WAYLAND_DISPLAY;
  if (!hasDisplay) return { flow: 'device', reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' };
  if (!interactive) return { flow: 'device', reason: 'standard input or error is not a terminal' };
  return { flow: 'browser', reason: 'a browser can be opened on this machine' };
}

/** Which sign-in flows an issuer offers (its metadata's authorization and device authorization endpoints). */
export interface OfferedFlows {
  browser: boolean;
  device: boolean;
}

/**
 * The flow a sign-in really uses, and why: the chosen one if the issuer offers it; else the
 * other one, unless the user forced the choice; undefined when that leaves none. `login`
 * (through sign-in.ts) and `doctor` both decide with this, so doctor says what login does.
 */
export function flowForIssuer(choice: FlowChoice, offered: OfferedFlows, forced = false): FlowChoice | undefined {
  if (offered[choice.flow]) return choice;
  const other: SignInFlow = choice.flow === 'device' ? 'browser' : 'device';
  if (forced || !offered[other]) return undefined;
  const missing = choice.flow === 'device' ? 'no device authorization endpoint' : 'no authorization endpoint';
  return { flow: other, reason: `${choice.reason}, but the issuer offers ${missing}` };
}
