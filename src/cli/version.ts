/** Replaced at build time by esbuild's `define` with package.json's version. */
declare const CREDSHARE_VERSION: string | undefined;
export const VERSION: string = typeof CREDSHARE_VERSION === 'string' ? CREDSHARE_VERSION : '0.0.0-dev';
