import * as path from 'node:path';
import { CredshareError } from '../../core/errors';
import { findOnPath } from './bins';
import { readToolFile, userHome, writeToolFile } from './files';
import { exactHosts, type SetupRequest } from './request';

/**
 * docker: `"credHelpers": {"HOST": "credshare"}` in $DOCKER_CONFIG/config.json (default
 * ~/.docker), so docker runs `docker-credential-credshare` for those registries only.
 * Never `credsStore`, which would make credshare the store of every registry. Every other
 * key is kept; a host that already names another helper is left alone and reported.
 * Wildcard hosts are skipped: credHelpers keys are exact registry hosts.
 */
export function setupDocker(request: SetupRequest): void {
  const { profile, bins, undo, say, ctx } = request;
  const file = path.join(ctx.env.DOCKER_CONFIG || path.join(userHome(ctx.env), '.docker'), 'config.json');
  const tool = readToolFile(file);
  const text = tool.text;
  let config: Record<string, unknown> = {};
  if (text !== undefined && text.trim() !== '') {
    try {
      config = JSON.parse(text);
    } catch {
      throw new CredshareError(`${file} is not valid JSON; fix it (docker cannot read it either) and run \`credshare setup docker\` again. Nothing was changed.`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CredshareError(`${file} is not a JSON object; nothing was changed.`);
  }
  const current = config.credHelpers;
  if (current !== undefined && (typeof current !== 'object' || current === null || Array.isArray(current))) {
    throw new CredshareError(`${file}: "credHelpers" is not an object; fix it and run again. Nothing was changed.`);
  }
  const helpers = { ...(current as Record<string, unknown> | undefined) };
  const changes: string[] = [];
  for (const host of exactHosts(profile)) {
    if (undo) {
      if (helpers[host] === 'credshare') { delete helpers[host]; changes.push(`removed credHelpers["${host}"] = "credshare"`); }
    } else if (helpers[host] === undefined) {
      helpers[host] = 'credshare';
      changes.push(`added credHelpers["${host}"] = "credshare"`);
    } else if (helpers[host] !== 'credshare') {
      say(`docker: ${host} already uses docker-credential-${String(helpers[host])}; left as it is (remove that entry and run again to use credshare)`);
    }
  }
  if (!undo) for (const host of profile.hosts.filter((h) => h.startsWith('*.'))) say(`docker: ${host} skipped: docker's credHelpers take exact registry hosts; add them to the profile's hosts`);
  if (changes.length === 0) {
    say(`docker: ${file}: nothing changed`);
  } else {
    // An emptied credHelpers was ours: it goes; every other key keeps its place and value.
    const next = { ...config, credHelpers: helpers };
    if (Object.keys(helpers).length === 0) delete (next as Record<string, unknown>).credHelpers;
    writeToolFile(tool, JSON.stringify(next, null, '\t') + '\n', request.warn, 0o600);
    for (const change of changes) say(`docker: ${file}: ${change}`);
  }
  if (!undo && exactHosts(profile).length > 0) {
    const found = findOnPath('docker-credential-credshare', ctx.env);
    if (!found) say(`docker: note: docker runs docker-credential-credshare from PATH, and it is not on this PATH; add ${path.dirname(bins.docker)} to PATH`);
    else if (bins.native && path.dirname(found) !== bins.native) say(`docker: note: docker runs the docker-credential-credshare it finds on PATH (${found}, which starts Node for each call); put ${bins.native} first on PATH for the native client`);
  }
}
