// A child process for test/unit/held-open.test.ts: discovery through a fetch that behaves
// as a request dropped without an answer or an error (it settles only when its signal
// aborts, as Node's fetch does, and holds no handle). Prints what discovery ended with; if
// the process exits without printing, the event loop ran dry with the request pending.
import { discoverChecked } from '../../src/core/oauth/metadata';

const dropped = (_url: string, init: RequestInit): Promise<Response> => new Promise((_resolve, reject) => {
  init.signal?.addEventListener('abort', () => reject(init.signal!.reason), { once: true });
});

discoverChecked(new URL('http://127.0.0.1:9/issuer'), { timeoutMs: 600, fetch: dropped })
  .then(() => console.log('answered'), (error: Error) => console.log(`failed: ${error.message}`));
