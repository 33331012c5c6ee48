// Issue 16, findings 7 and 8, written as the attack and as the support call it was:
// - 7: `https://good.example.com\@evil.com/` and a host holding a tab, handed to each
//   helper that reads a URL (Bazel's uri, docker's server URL, cargo's index URL, kubectl's
//   cluster server, git's url field). The WHATWG parser reads the first as host
//   good.example.com and drops the tab from the second, so credshare 0.1 answered with the
//   token; a client reading RFC 3986 sends it to evil.com. Each must be refused, naming the
//   problem, with no token anywhere.
// - 8: a helper asked for a profile host on another port (here 127.0.0.1:8443, the profile
//   listing 127.0.0.1, which means port 80 for http and 443 for https): the answer on
//   standard output stays each protocol's "no credentials", and one line on standard error
//   names the host:port asked for and the profiles' hosts; `doctor --url` says why.
// The session is fresh, so no issuer is needed: the helpers answer from the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fault } from '../support/fault-report';
import { makeHome, sessionFixture, type TestHome } from '../support/home';
import { runCli, type Finished } from '../support/processes';

const file = __filename;
const TOKEN = 'at-helper-urls-0123456789abcdef';

function home(t: { after(fn: () => unknown): void }, hosts: string[]): TestHome {
  const h = makeHome({ hosts });
  t.after(() => h.remove());
  h.writeSession(sessionFixture({ accessToken: TOKEN, refreshToken: 'rt-helper-urls-0123456789', expiresAt: Date.now() + 3_600_000 }));
  return h;
}

/** Each helper asked about `url` the way its tool asks. */
async function askEveryHelper(env: NodeJS.ProcessEnv, url: string): Promise<Record<string, Finished>> {
  const cargoRequest = JSON.stringify({ v: 1, kind: 'get', operation: 'read', registry: { 'index-url': `sparse+${url}`, name: 'corp' }, args: ['helper', '--protocol', 'cargo'] });
  const execInfo = JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false, cluster: { server: url } } });
  return {
    bazel: await runCli(['helper', '--protocol', 'bazel', 'get'], env, JSON.stringify({ uri: url })),
    docker: await runCli(['helper', '--protocol', 'docker', 'get'], env, url),
    git: await runCli(['helper', '--protocol', 'git', 'get'], env, `url=${url}\n\n`),
    cargo: await runCli(['--cargo-plugin'], env, `${cargoRequest}\n`),
    kubectl: await runCli(['helper', '--protocol', 'kubectl', 'get'], { ...env, KUBERNETES_EXEC_INFO: execInfo }),
  };
}

for (const [name, url] of [['backslash', 'https://good.example.com\\@evil.com/'], ['tab', 'https://good.exa\tmple.com/']] as const) {
  test(`a URL with a ${name} is refused by every helper, never matched as good.example.com`, { timeout: 60_000 }, async (t) => {
    const h = home(t, ['good.example.com']);
    await fault({ id: `security/tool-url-${name}`, area: 'security', fault: `${JSON.stringify(url)} handed to the bazel, docker, git, cargo and kubectl helpers (profile host good.example.com)`, expected: 'each refuses, naming the backslash or control character (cargo: an Err answer, the others exit 2); no token on any output', file }, async (tally) => {
      const answers = await askEveryHelper(h.env, url);
      tally.calls(...Object.values(answers).filter((_, i) => Object.keys(answers)[i] !== 'cargo'));
      const leaked = Object.entries(answers).filter(([, r]) => r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN)).map(([tool]) => tool);
      tally.dataLost += leaked.length;
      assert.deepEqual(leaked, [], `the token was given for ${JSON.stringify(url)}`);
      for (const [tool, result] of Object.entries(answers)) {
        const said = tool === 'cargo' ? result.stdout : result.stderr;
        assert.match(said, /holds (a backslash or )?a control character/, `${tool}: ${said}`);
        if (tool === 'cargo') assert.match(result.stdout.split('\n')[1]!, /^\{"Err":\{"kind":"other"/);
        else assert.equal(result.code, 2, `${tool}: ${result.stderr}`);
      }
    });
  });
}

test('a helper asked for a profile host on another port: the protocol\'s own "no credentials", and one line on stderr saying why', { timeout: 60_000 }, async (t) => {
  const h = home(t, ['127.0.0.1', 'registry.example.com:5000']);
  const url = 'https://127.0.0.1:8443/v2/';
  await fault({ id: 'security/helper-wrong-port', area: 'security', fault: 'each helper asked for https://127.0.0.1:8443 while the profile lists 127.0.0.1 (port 443 for https, 80 for http)', expected: 'stdout as each protocol says "no credentials" (bazel {"headers":{}}, docker\'s not-found text and exit 1, git empty, cargo url-not-supported, kubectl exit 1 and nothing); one stderr line naming 127.0.0.1:8443 and the hosts; no token', file }, async (tally) => {
    const answers = await askEveryHelper(h.env, url);
    tally.calls(answers.bazel!, answers.git!);
    assert.deepEqual(Object.entries(answers).filter(([, r]) => r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN)).map(([tool]) => tool), []);
    assert.equal(answers.bazel!.stdout, '{"headers":{}}\n');
    assert.equal(answers.bazel!.code, 0);
    assert.equal(answers.docker!.stdout, 'credentials not found in native keychain\n');
    assert.equal(answers.docker!.code, 1);
    assert.equal(answers.git!.stdout, '');
    assert.equal(answers.git!.code, 0);
    assert.equal(answers.cargo!.stdout, '{"v":[1]}\n{"Err":{"kind":"url-not-supported"}}\n');
    assert.equal(answers.kubectl!.stdout, '');
    assert.equal(answers.kubectl!.code, 1);
    for (const [tool, result] of Object.entries(answers)) {
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${tool}: one line: ${result.stderr}`);
      assert.match(lines[0]!, /127\.0\.0\.1:8443/, tool);
      assert.match(lines[0]!, /default: 127\.0\.0\.1, registry\.example\.com:5000/, tool);
      if (tool !== 'kubectl') assert.match(lines[0]!, /"127\.0\.0\.1" means port 443, and the URL is on port 8443/, tool);
    }
    tally.note(`bazel's line: ${answers.bazel!.stderr.trim()}`);
  });

  // doctor: the port rule beside each host, and --url explains this URL and a matching one.
  const doctor = await runCli(['doctor', '--url', url], h.env);
  assert.match(doctor.stdout, /127\.0\.0\.1 \(https port 443, http port 80 only\), registry\.example\.com:5000 \(https, port 5000 only\)/);
  assert.match(doctor.stdout, /URL +https:\/\/127\.0\.0\.1:8443: no profile answers {2}!! a helper gives no credentials for this URL/);
  assert.match(doctor.stdout, /profile default: "127\.0\.0\.1" means port 443, and the URL is on port 8443: add "127\.0\.0\.1:8443" to its hosts/);
  const matching = await runCli(['doctor', '--url', 'registry.example.com:5000'], h.env);
  assert.match(matching.stdout, /URL +https:\/\/registry\.example\.com:5000: profile "default" answers: its host "registry\.example\.com:5000" matches port 5000/);
  const plain = await runCli(['doctor', '--url', 'http://registry.example.com:5000/'], h.env);
  assert.match(plain.stdout, /profile default: http: is answered only on loopback/);
});
