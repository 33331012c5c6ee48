import type { Session } from '../../core/session';
import { parseToolUrl } from './host-match';

/** docker-credential-helpers' answer for "nothing here"; docker matches this exact text. */
export const DOCKER_NOT_FOUND = 'credentials not found in native keychain';

/** docker's credential-helper protocol: `get` reads a server URL and answers JSON. */
export function parseDockerRequest(input: string): URL | undefined {
  return parseToolUrl(input.split('\n')[0] ?? '');
}

export function formatDockerResponse(serverUrl: string, session: Session): string {
  return JSON.stringify({ ServerURL: serverUrl, Username: 'oauth2', Secret: session.accessToken }) + '\n';
}
