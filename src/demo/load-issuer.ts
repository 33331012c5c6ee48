/**
 * Loads the embedded issuer's helpers. oidc-provider warns on every Node release older
 * than 22 LTS as it loads; here it is only the demo's and the benchmark's stand-in
 * issuer, and it runs fine on Node 20, so that one line is dropped.
 */
export async function loadSignedInHome(): Promise<typeof import('./signed-in-home')> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => { if (!String(args[0]).includes('Unsupported runtime')) warn(...args); };
  try {
    return await import('./signed-in-home');
  } finally {
    console.warn = warn;
  }
}
