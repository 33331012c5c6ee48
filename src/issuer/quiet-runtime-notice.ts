/**
 * oidc-provider warns on every Node release older than 22 LTS as it loads. It runs fine on
 * Node 20 as the stand-in issuer of the tests, the demo and the bench, so that one notice
 * is dropped. Imported by embedded-issuer.ts before anything that loads oidc-provider.
 */
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
};
