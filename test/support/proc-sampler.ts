// Child process for the secrets faults: until SIGTERM, samples what other users can see of
// every process whose command line contains argv[2] (dist/cli.js) and whose environment
// contains argv[3] (the test's CREDSHARE_HOME): its argv as `ps` shows it, and
// /proc/PID/cmdline and /proc/PID/environ. Then prints one JSON line
// {samples, pids, texts}. A child of its own, so sampling never stalls the test's issuer.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const needle = process.argv[2]!;
const envNeedle = process.argv[3] ?? '';
const texts = new Set<string>();
const pids = new Set<number>();
let samples = 0;
let running = true;
process.on('SIGTERM', () => { running = false; });

function sampleProc(): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(needle)) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (!environ.includes(envNeedle)) continue;
      pids.add(Number(entry));
      texts.add(cmdline);
      texts.add(environ);
    } catch {
      // exited meanwhile
    }
  }
}

function samplePs(): void {
  try {
    for (const line of execFileSync('ps', ['-eww', '-o', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
      if (line.includes(needle)) texts.add(line);
    }
  } catch {
    // ps raced an exit
  }
}

async function main(): Promise<void> {
  process.stdout.write('sampling\n');
  while (running) {
    samples++;
    sampleProc();
    if (samples % 20 === 0) samplePs();
    await new Promise((r) => setImmediate(r));
  }
  process.stdout.write(JSON.stringify({ samples, pids: [...pids], texts: [...texts] }) + '\n');
}
void main();
