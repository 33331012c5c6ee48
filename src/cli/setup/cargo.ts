import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Profile } from '../../core/profile';
import { mayReceiveToken } from '../protocols/host-match';
import { cargoIndexUrl } from '../protocols/cargo';
import { readToolFile, userHome, writeToolFile } from './files';
import type { SetupRequest } from './request';

const MARK = '# added by `credshare setup cargo`';

/** One `[registries.NAME]` table of a cargo config, as lines of the file. */
interface RegistryTable {
  name: string;
  /** Index of the header line and of the first line after the table. */
  header: number;
  end: number;
  index?: string;
  /** The line setting credential-provider, if the table has one. */
  provider?: number;
}

/**
 * cargo: `credential-provider = ["<credshare>", "helper", "--protocol", "cargo"]` in each
 * `[registries.NAME]` table of $CARGO_HOME/config.toml (default ~/.cargo) whose index host
 * is one of the profile's hosts. The line carries a marker comment, so a rerun finds it and
 * --undo removes exactly it. A registry that already names a provider is left alone. cargo
 * has no per-host setting, so a profile host without a registry table gets only a note
 * saying what to add. Edits are line by line: every other line stays byte for byte.
 */
export function setupCargo(request: SetupRequest): void {
  const { profile, bins, profileArgs, undo, say, ctx } = request;
  const home = ctx.env.CARGO_HOME || path.join(userHome(ctx.env), '.cargo');
  // cargo reads the extension-less `config` when `config.toml` does not exist.
  const file = !fs.existsSync(path.join(home, 'config.toml')) && fs.existsSync(path.join(home, 'config')) ? path.join(home, 'config') : path.join(home, 'config.toml');
  const tool = readToolFile(file);
  const text = tool.text ?? '';
  const lines = text.split('\n');
  const provider = `credential-provider = ${JSON.stringify([bins.credshare, 'helper', '--protocol', 'cargo', ...profileArgs]).replace(/","/g, '", "')} ${MARK}`;
  const tables = registryTables(lines);
  const ours = tables.filter((t) => t.index !== undefined && indexIsOurs(t.index, profile));
  const changes: string[] = [];
  // Work bottom-up so earlier line numbers stay valid.
  for (const table of [...ours].sort((a, b) => b.header - a.header)) {
    const existing = table.provider === undefined ? undefined : lines[table.provider]!;
    if (undo) {
      if (existing?.endsWith(MARK)) { lines.splice(table.provider!, 1); changes.push(`removed from [registries.${table.name}]: ${existing}`); }
    } else if (existing === undefined) {
      lines.splice(table.header + 1, 0, provider);
      changes.push(`added to [registries.${table.name}]: ${provider}`);
    } else if (existing !== provider) {
      if (existing.endsWith(MARK)) { lines[table.provider!] = provider; changes.push(`replaced in [registries.${table.name}]: ${provider}`); }
      else say(`cargo: [registries.${table.name}] already has ${existing.trim()}; left as it is`);
    }
  }
  if (changes.length > 0) {
    writeToolFile(tool, lines.join('\n'), request.warn);
    for (const change of changes.reverse()) say(`cargo: ${file}: ${change}`);
  } else {
    say(`cargo: ${file}: nothing changed`);
  }
  if (!undo && ours.length === 0) {
    say(`cargo: no registry in ${file} has its index on a host of profile "${profile.name}" (${profile.hosts.join(', ') || 'no hosts'}). Add one, then run \`credshare setup cargo\` again:`);
    say(`  [registries.NAME]`);
    say(`  index = "sparse+https://${profile.hosts.find((h) => !h.startsWith('*.')) ?? 'HOST'}/index/"`);
  }
}

function indexIsOurs(index: string, profile: Profile): boolean {
  try {
    const url = cargoIndexUrl(index);
    return url !== undefined && mayReceiveToken(url, profile);
  } catch {
    return false; // an index URL the helpers would refuse (a backslash, a control character)
  }
}

/** The `[registries.NAME]` tables, with their `index` and `credential-provider` lines. */
function registryTables(lines: string[]): RegistryTable[] {
  const tables: RegistryTable[] = [];
  let current: RegistryTable | undefined;
  for (const [i, line] of lines.entries()) {
    if (/^\s*\[/.test(line)) {
      // Any table header ends the one before; only `[registries.NAME]` starts one of ours.
      if (current) current.end = i;
      const header = /^\s*\[\s*([^\][]+?)\s*\]\s*(#.*)?$/.exec(line);
      const name = header && /^registries\.("?)([A-Za-z0-9_-]+)\1$/.exec(header[1]!);
      current = name ? { name: name[2]!, header: i, end: lines.length } : undefined;
      if (current) tables.push(current);
      continue;
    }
    if (!current) continue;
    const index = /^\s*index\s*=\s*(["'])([^"']*)\1/.exec(line);
    if (index) current.index = index[2];
    if (/^\s*credential-provider\s*=/.test(line)) current.provider = i;
  }
  return tables;
}
