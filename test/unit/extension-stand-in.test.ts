// Issue 17.4 with the startup gate: in a window where nobody signed in yet, the stand-in
// answers getSessions with nothing; those answers reach the extension when it wakes, so the
// second of two extensions asking at once still takes the first one's sign-in (the
// `vscode` API answered by test/support/fake-vscode.ts: the real one exists only in VS Code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeVscode, installFakeVscode } from '../support/fake-vscode';

installFakeVscode();

test('the stand-in hands its empty answers (no account named) to the extension it wakes', async () => {
  const { StandIn } = await import('../../src/extension/stand-in');
  const noted: { scopes: readonly string[]; at: number }[] = [];
  let profile = false;
  const created: string[] = [];
  const standIn = new StandIn(['credshare.signIn'], () => profile, () => ({
    provider: { onDidChangeSessions: () => ({ dispose() {} }), getSessions: async () => [], createSession: async (s: readonly string[]) => { created.push(s.join(' ')); return {} as never; }, removeSession: async () => {} } as never,
    noteEmptyAnswer: (scopes, at) => void noted.push({ scopes, at }),
  }));
  const provider = fakeVscode.providers.get('credshare') as { getSessions(s: string[] | undefined, o?: unknown): Promise<unknown[]>; createSession(s: string[], o?: unknown): Promise<unknown> };
  const before = Date.now();
  assert.deepEqual(await provider.getSessions(['openid']), []);
  assert.deepEqual(await provider.getSessions(['openid'], { account: { id: 'x', label: 'x' } }), []);
  assert.deepEqual(await provider.getSessions(undefined), []);
  assert.equal(noted.length, 0, 'nothing handed over before the extension wakes');
  await provider.createSession(['openid'], {});
  assert.deepEqual(created, ['openid']);
  assert.deepEqual(noted.map((n) => n.scopes), [['openid']], 'only the request naming no account, with scopes');
  assert.ok(noted[0]!.at >= before);
  profile = true;
  standIn.dispose();
});
