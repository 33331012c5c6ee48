// The e2e harness: start a VS Code server (code-server) with .vsix files installed, drive its
// web workbench in Debian's chromium, and read what extension hosts write. See ../README.md.
export * from './paths';
export * from './vsix';
export * from './server';
export * from './browser';
export * from './window';
export * from './results';
export * from './timer';
export * from './devmode';
