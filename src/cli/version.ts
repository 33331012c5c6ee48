/** Replaced at build time by esbuild's `define` with package.json's version. */
declare const CREDSHARE_VERSION: string | undefined;
export const VERSION: string = typeof CREDSHARE_VERSION === 'string' ? CREDSHARE_VERSION : '0.0.0-dev';

/**
 * This build's id (`<version>+<hash of the CLI bundle>`, esbuild.mjs; also in dist/build-id):
 * a native client and an agent answer each other only with the same id
 * (docs/agent-protocol.md). 'dev' when run from source.
 */
declare const CREDSHARE_BUILD_ID: string | undefined;
export const BUILD_ID: string = typeof CREDSHARE_BUILD_ID === 'string' ? CREDSHARE_BUILD_ID : 'dev';
