// Child process for lock tests: takes the lock in argv[2] (stale period argv[3] ms),
// prints "held", keeps it for argv[4] ms, then prints whether it was compromised.
import { CrossProcessLock } from '../../src/core/lock';

async function main(): Promise<void> {
  const [dir, stale, holdMs] = process.argv.slice(2);
  const lock = new CrossProcessLock(dir!, Number(stale));
  const held = await lock.acquire(10_000);
  process.stdout.write('held\n');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  process.stdout.write(`compromised=${held.compromised}\n`);
  await held.release();
}
void main();
