// Issue 12: the git helper checks each field git sends before it builds a URL. git and
// curl refuse these tricks today; a future client may not, and a host that parses as one
// of the profile's hosts must never get its token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/core/errors';
import { mayReceiveToken } from '../../src/cli/protocols/host-match';
import { parseGitRequest } from '../../src/cli/protocols/git';
import type { Profile } from '../../src/core/profile';
import { fault } from '../support/fault-report';

const profile: Profile = { name: 'default', issuer: 'https://issuer.example.com', clientId: 'c', scopes: [], hosts: ['artifacts.example.com'], refreshToleranceSeconds: 60 };

/** Whether the helper would hand over the token for this input (throws when it refuses the input). */
function answers(input: string): boolean {
  const { url } = parseGitRequest(input);
  return !!url && mayReceiveToken(url, profile);
}

const TRICKS: Record<string, string> = {
  'userinfo in host': 'protocol=https\nhost=evil.example.com@artifacts.example.com\n',
  'path in host': 'protocol=https\nhost=artifacts.example.com/@evil.example.com\n',
  'query in host': 'protocol=https\nhost=artifacts.example.com?.evil.example.com\n',
  'fragment in host': 'protocol=https\nhost=artifacts.example.com#.evil.example.com\n',
  'backslash in host': 'protocol=https\nhost=artifacts.example.com\\@evil.example.com\n',
  'tab in host': 'protocol=https\nhost=artifacts.example.\tcom\n',
  'percent-encoding in host': 'protocol=https\nhost=artifacts%2eexample.com\n',
  'space in host': 'protocol=https\nhost=artifacts.example.com evil\n',
  'URL in protocol': 'protocol=https://artifacts.example.com/?\nhost=evil.example.com\n',
  'control character in path': 'protocol=https\nhost=artifacts.example.com\npath=repo\u0000.git\n',
  'control character in url': 'url=https://artifacts.example.com/\u0007x.git\n',
};

test('git helper input with a trick in any field (userinfo, path, query, fragment, backslash, controls, percent, a URL as protocol): no credentials', async () => {
  await fault({ id: 'security/git-input-tricks', area: 'security', fault: `git helper input whose host or protocol field smuggles URL syntax, or holds a control character (${Object.keys(TRICKS).length} tricks)`, expected: 'each refused with a message naming the field (exit 2) or answered with nothing; never a token', file: __filename }, async (tally) => {
    const answered: string[] = [];
    for (const [trick, input] of Object.entries(TRICKS)) {
      tally.tries++;
      try {
        if (answers(input)) answered.push(trick);
      } catch (error) {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, /git credential helper: the "(host|path|url|protocol)" field .* no credentials given/);
      }
    }
    tally.dataLost += answered.length;
    assert.deepEqual(answered, [], 'tricks that got the token');
  });
});

test('a protocol other than https or http gets nothing, without an error', () => {
  assert.equal(answers('protocol=ssh\nhost=artifacts.example.com\n'), false);
  assert.equal(answers('protocol=file\nhost=artifacts.example.com\n'), false);
});

test('ordinary input still works: a host, a host with a port, an IPv6 literal, a path', () => {
  assert.equal(answers('protocol=https\nhost=artifacts.example.com\npath=team/repo.git\n'), true);
  assert.equal(answers('protocol=https\nhost=ARTIFACTS.example.com\n'), true);
  const withPort = parseGitRequest('protocol=https\nhost=artifacts.example.com:8443\npath=x.git\n').url!;
  assert.equal(withPort.host, 'artifacts.example.com:8443');
  assert.equal(parseGitRequest('protocol=http\nhost=[::1]:8080\n').url!.hostname, '[::1]');
  assert.equal(answers('protocol=https\nhost=other.example.com\n'), false);
});
