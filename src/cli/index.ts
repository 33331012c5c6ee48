import { runCli } from './main';

// The CLI entry point bundled into dist/cli.js. `process.exitCode` rather than
// `process.exit()` lets stdout drain when it is a pipe (credential helpers are read that way).
runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
