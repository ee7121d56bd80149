// Tessera and Unleash side by side, holding the same flags: both started,
// the flags created in each through its own API, and the truth maps each
// answers for a population of tenants (run.mjs measures; equivalence.test.mjs
// proves the maps are equivalent).
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import * as jose from 'jose';
import { Unleash } from 'unleash-client';
import { send, startPlatform } from '../platform.mjs';
import { ENVIRONMENT, flagSet, frontendQuery, PLANS, tenantPopulation, tesseraFlag, tesseraSubject, unleashContext, unleashStrategies } from './flag-set.mjs';
import { startUnleash, TOKENS } from './unleash.mjs';

const require = createRequire(import.meta.url);
/** Tessera's evaluator, as the API runs it (its build). */
export const tesseraEvaluator = require(resolve(import.meta.dirname, '../../services/platform-api/dist/flags/flag-evaluator.js'));

/** Runs `task` over `items`, `width` at a time. */
async function inParallel(items, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
}

/**
 * Starts platform-api (bench/platform.mjs: FerretDB or MONGODB_URI) and
 * Unleash (PostgreSQL, unleash-server), makes 4 partners and `realTenants`
 * tenants in Tessera (the first, `bench`, is on business with a partner),
 * a population of `tenantCount` tenants (the real ones first), and `flagCount`
 * flags in both. The tenants' owner is `owner`; `operator` is a platform admin.
 */
export async function startBoth({ flagCount, tenantCount, realTenants }) {
  // Both at once: each takes seconds to start, mostly loading code.
  const [platformStart, unleashStart] = await Promise.allSettled([startPlatform(jose, { RATE_LIMIT_MUTATIONS_PER_MINUTE: '100000' }), startUnleash()]);
  if (platformStart.status === 'rejected' || unleashStart.status === 'rejected') {
    if (platformStart.status === 'fulfilled') platformStart.value.stop();
    if (unleashStart.status === 'fulfilled') await unleashStart.value.stop();
    throw platformStart.reason ?? unleashStart.reason;
  }
  const [platform, unleash] = [platformStart.value, unleashStart.value];
  const stop = async () => {
    await unleash.stop();
    platform.stop();
  };
  try {
    const { base } = platform;
    const operator = await platform.token('bench-operator', 'operator', ['platform-admins']);
    const owner = await platform.token('bench-owner', 'portal');
    const partners = [];
    for (let i = 0; i < 4; i += 1) partners.push(await send(base, 'POST', '/partners', operator, { slug: `bench-partner-${i}`, name: `Bench Partner ${i}`, marginPct: 10 }));
    const known = [];
    for (let i = 0; i < realTenants; i += 1) {
      const slug = i === 0 ? 'bench' : `bench-${i}`;
      const plan = i === 0 ? 'business' : PLANS[i % PLANS.length];
      const created = await send(base, 'POST', '/tenants', owner, { slug, name: slug, plan });
      const partner = i % 3 === 2 ? null : partners[i % partners.length];
      if (partner) await send(base, 'PUT', `/tenants/${slug}/partner`, operator, { partner: partner.slug });
      known.push({ id: created.id, slug, plan, partnerId: partner?.id ?? null });
    }
    const partnerIds = partners.map((p) => p.id);
    const tenants = tenantPopulation(tenantCount, partnerIds, known);
    const flags = flagSet(flagCount, tenants, partnerIds);

    await inParallel(flags, 8, (flag) => send(base, 'POST', '/flags', operator, tesseraFlag(flag)));

    for (const name of ['plan', 'partnerId']) await unleash.admin('POST', '/api/admin/context', { name, description: `the tenant's ${name}`, stickiness: false });
    const project = '/api/admin/projects/default/features';
    await inParallel(flags, 8, async (flag) => {
      await unleash.admin('POST', project, { name: flag.key, type: 'release', description: `Benchmark flag ${flag.key}` });
      for (const strategy of unleashStrategies(flag)) await unleash.admin('POST', `${project}/${flag.key}/environments/${ENVIRONMENT}/strategies`, strategy);
      if (flag.enabled) await unleash.admin('POST', `${project}/${flag.key}/environments/${ENVIRONMENT}/on`);
    });
    return { platform, unleash, operator, owner, partners, known, tenants, flags, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** unleash-client in this process, connected to the Unleash server with the backend token, once it holds every flag. */
export async function unleashClient(unleash, flagCount) {
  const client = new Unleash({ url: `${unleash.url}/api/`, appName: 'tessera-bench', environment: ENVIRONMENT, customHeaders: { Authorization: TOKENS.backend }, disableMetrics: true, refreshInterval: 1000 });
  client.on('error', () => undefined);
  await once(client, 'synchronized');
  for (let attempt = 0; client.getFeatureToggleDefinitions().length < flagCount; attempt += 1) {
    if (attempt > 100) throw new Error(`unleash-client holds ${client.getFeatureToggleDefinitions().length} flags of ${flagCount}`);
    await once(client, 'changed');
  }
  return client;
}

/** The frontend API's truth map for a tenant: the flags it lists are on, the others off. */
export async function frontendTruthMap(unleash, tenant, flags) {
  const response = await fetch(`${unleash.url}/api/frontend?${frontendQuery(tenant)}`, { headers: { authorization: TOKENS.frontend } });
  if (!response.ok) throw new Error(`Unleash's frontend API: ${response.status} ${await response.text()}`);
  const on = new Set((await response.json()).toggles.filter((t) => t.enabled).map((t) => t.name));
  return Object.fromEntries(flags.map((flag) => [flag.key, on.has(flag.key)]));
}

/**
 * Every tenant's truth map from each system, read four ways, and the cells
 * where a server disagrees with its own in-process evaluator:
 * - Tessera: its evaluator over the flags as the API stores them (GET /flags)
 *   for every tenant, and POST /flags/evaluate for the real tenants;
 * - Unleash: its frontend API for every tenant, and unleash-client (fed by
 *   the server) for every tenant.
 * The frontend API re-reads the flags every second here: it is asked until
 * it answers what unleash-client does for the first tenant, and each tenant
 * that still disagrees is asked again for up to 20 s.
 */
export async function truthMaps({ platform, unleash, operator, known, tenants, flags }, client) {
  const stored = await send(platform.base, 'GET', '/flags', operator);
  const evaluable = stored.filter((flag) => !flag.archivedAt).map(({ key, enabled, defaultValue, rules }) => ({ key, enabled, defaultValue, rules }));
  const tessera = tenants.map((tenant) => Object.fromEntries(Object.entries(tesseraEvaluator.evaluateAll(evaluable, tesseraSubject(tenant), null).flags).map(([key, { value }]) => [key, value])));
  const unleashInProcess = tenants.map((tenant) => Object.fromEntries(flags.map((flag) => [flag.key, client.isEnabled(flag.key, unleashContext(tenant))])));
  const disagreements = [];
  const same = (a, b) => flags.every((flag) => a[flag.key] === b[flag.key]);

  for (let attempt = 0; !same(await frontendTruthMap(unleash, tenants[0], flags), unleashInProcess[0]); attempt += 1) {
    if (attempt > 100) throw new Error("Unleash's frontend API did not come to answer what unleash-client does");
    await new Promise((r) => setTimeout(r, 200));
  }
  const frontend = new Array(tenants.length);
  // The first tenant agreeing does not mean every flag has been re-read (the smoke failed so once on a loaded
  // machine): a tenant that disagrees is asked again for up to 20 s before the disagreement stands.
  await inParallel(tenants.map((tenant, i) => ({ tenant, i })), 8, async ({ tenant, i }) => {
    frontend[i] = await frontendTruthMap(unleash, tenant, flags);
    for (let attempt = 0; !same(frontend[i], unleashInProcess[i]) && attempt < 80; attempt += 1) {
      await new Promise((r) => setTimeout(r, 250));
      frontend[i] = await frontendTruthMap(unleash, tenant, flags);
    }
    if (!same(frontend[i], unleashInProcess[i])) disagreements.push({ tenant: tenant.id, system: 'Unleash: frontend API against unleash-client' });
  });
  for (const tenant of known) {
    const answer = await send(platform.base, 'POST', '/flags/evaluate', operator, { tenantSlug: tenant.slug }, [200]);
    const server = Object.fromEntries(Object.entries(answer.flags).map(([key, { value }]) => [key, value]));
    if (!same(server, tessera[tenants.indexOf(tenant)])) disagreements.push({ tenant: tenant.id, system: 'Tessera: POST /flags/evaluate against its evaluator' });
  }
  return { tessera, unleash: frontend, unleashInProcess, disagreements, storedFlags: evaluable };
}
