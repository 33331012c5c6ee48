// One interactive sign-in at a time per profile. No vscode import (unit-tested).

interface Flight<T> {
  scopes: ReadonlySet<string>;
  promise: Promise<T>;
}

/**
 * Shares one interactive sign-in per profile between every caller that arrives while it
 * runs: two extensions calling `getSession(..., { createIfNone: true })` at start-up get
 * one sign-in page and one code, not two. A caller who needs scopes the running sign-in
 * does not ask for waits for it to end, then starts its own (which then asks for the
 * union). The entry goes when the sign-in settles, success or failure, so a failed or
 * cancelled sign-in is never handed to a later caller.
 */
export class SingleSignIn<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** True while a sign-in for `profile` runs. */
  running(profile: string): boolean {
    return this.flights.has(profile);
  }

  /** Joins the sign-in under way for `profile` if it covers `scopes`; else runs `start` (after any other). */
  async run(profile: string, scopes: readonly string[], start: () => Promise<T>): Promise<T> {
    for (;;) {
      const flight = this.flights.get(profile);
      if (!flight) break;
      if (scopes.every((s) => flight.scopes.has(s))) return flight.promise;
      await flight.promise.catch(() => undefined);
    }
    const promise = (async () => start())();
    const flight: Flight<T> = { scopes: new Set(scopes), promise };
    this.flights.set(profile, flight);
    const drop = (): void => {
      if (this.flights.get(profile) === flight) this.flights.delete(profile);
    };
    promise.then(drop, drop);
    return promise;
  }
}
