import { runCli } from './main';

// The CLI entry point bundled into dist/cli.js. `process.exitCode` rather than
// `process.exit()` lets stdout drain when it is a pipe (credential helpers are read that way).
//
// If the event loop runs dry before the command has finished, a promise is waiting on
// something nothing will settle (a request dropped without an error: heldOpen in
// src/core/oauth/http.ts guards the known case). Node would then exit 0 with nothing on
// stdout, which git, docker or Bazel take for an answer: say so and exit 1 instead.
const unfinished = (): void => {
  process.stderr.write('credshare: the command stopped before it finished (something it waited for never answered); '
    + 'no credentials were removed. Run it again; CREDSHARE_DEBUG=1 shows where it stopped.\n');
  process.exitCode = 1;
};
process.once('beforeExit', unfinished);
runCli(process.argv.slice(2)).then((code) => {
  process.removeListener('beforeExit', unfinished);
  process.exitCode = code;
});
