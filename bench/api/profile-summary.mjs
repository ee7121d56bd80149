// Reads a V8 CPU profile (.cpuprofile, as bench/api/profile.cjs writes) and
// says where the time went: self time grouped by who owns the code (a
// package, Node itself, platform-api's folders, the garbage collector, idle),
// and the functions with the most self time.
import { readFileSync } from 'node:fs';

/** Who owns the code at `url`: an npm package, a platform-api folder, Node's own modules. */
export function ownerOf(url, functionName) {
  if (functionName === '(garbage collector)') return 'garbage collection';
  // In-thread profiling (node:inspector's Session) puts the waiting of the event loop in the frame that started the profile.
  if (functionName === '(idle)' || url === 'node:inspector') return 'idle';
  if (functionName === '(program)') return 'V8 and native code (program)';
  if (!url) return 'V8 and native code (program)';
  const modules = url.split('/node_modules/');
  if (modules.length > 1) {
    const rest = modules.at(-1).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.match(/platform-api\/dist\/([^/]+)/);
  if (dist) return `platform-api ${dist[1].endsWith('.js') ? dist[1] : `${dist[1]}/`}`;
  if (url.startsWith('node:')) {
    const name = url.slice(5).replace(/^internal\//, '');
    if (/^(_http|http|https|net|stream|streams|url|dns)/.test(name)) return 'Node: HTTP, net and streams';
    if (/^(crypto|webcrypto)/.test(name)) return 'Node: crypto';
    if (/^(timers|process|async_hooks|event|events)/.test(name)) return 'Node: timers, events, async hooks';
    return 'Node: other';
  }
  return url.replace(/^file:\/\//, '');
}

/** Self time by owner and by function, in ms, from a profile file. */
export function summarizeProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const owners = new Map();
  const functions = new Map();
  let busy = 0;
  for (const [id, ms] of self) {
    const { callFrame } = nodes.get(id);
    const owner = ownerOf(callFrame.url, callFrame.functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    if (owner === 'idle') continue;
    busy += ms;
    const where = callFrame.url ? `${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}` : '';
    const name = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  return { busyMs: busy, idleMs: owners.get('idle') ?? 0, owners: sorted(owners).filter(([owner]) => owner !== 'idle'), functions: sorted(functions) };
}
