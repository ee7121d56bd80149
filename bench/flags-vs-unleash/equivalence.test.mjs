// The same 200 flags in Tessera and in Unleash give equivalent truth maps
// for 1,000 tenants: identical wherever a kill switch or a targeting rule
// decides, and wherever a rollout decides, the same share of tenants (the
// rollouts cannot pick the same tenants: flag-set.mjs says why, and a test
// here shows it from the hash itself). Real servers: platform-api on FerretDB
// and unleash-server on PostgreSQL, each holding the flags made through its
// own API; every map is read from a server and checked against the system's
// own evaluator in this process (Tessera's build, unleash-client).
//
// Needs what scripts/bench-flags-vs-unleash.sh sets: FERRETDB_BIN,
// PG_BIN_DIR, UNLEASH_SERVER_DIR, and the built API.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Unleash } from 'unleash-client';
import { startBoth, tesseraEvaluator, truthMaps, unleashClient } from './both.mjs';
import { compareTruthMaps, decidedBy, ENVIRONMENT, tesseraSubject, unleashContext } from './flag-set.mjs';

const FLAGS = 200;
const TENANTS = 1000;

describe('the same flags in Tessera and in Unleash', { timeout: 600_000 }, () => {
  let both;
  let client;
  let maps;
  let comparison;

  before(async () => {
    const started = performance.now();
    const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    both = await startBoth({ flagCount: FLAGS, tenantCount: TENANTS, realTenants: 10 });
    console.log(`both started, ${FLAGS} flags made in each: ${seconds()}`);
    client = await unleashClient(both.unleash, FLAGS);
    maps = await truthMaps(both, client);
    comparison = compareTruthMaps(both.flags, both.tenants, maps.tessera, maps.unleash);
    console.log(`${TENANTS} truth maps read from each: ${seconds()}; rollout cells ${comparison.rolloutCells}, of which the two agree on ${comparison.agreeing}`);
  });
  after(async () => {
    client?.destroy();
    await both?.stop();
  });

  it('each server answers what its own evaluator answers in process, for every tenant', () => {
    assert.equal(maps.tessera.length, TENANTS);
    assert.equal(maps.unleash.length, TENANTS);
    assert.deepEqual(maps.disagreements, []);
    assert.equal(maps.storedFlags.length, FLAGS);
  });

  it('agrees on every flag for 1,000 tenants wherever a kill switch or a tenant, plan or partner rule decides', () => {
    assert.deepEqual(comparison.mismatches.slice(0, 5), []);
    // Both kinds of cells are there in numbers: a quarter of the flags lead with each kind of rule.
    const decided = both.flags.flatMap((flag) => both.tenants.map((tenant) => decidedBy(flag, tenant)));
    assert.equal(comparison.exactCells, decided.filter((by) => by !== 'rollout').length);
    assert.ok(decided.filter((by) => by === 'targeting').length > 20_000);
    assert.ok(decided.filter((by) => by === 'disabled').length === (FLAGS / 10) * TENANTS);
  });

  it('turns on the share of tenants each rollout percentage says, in both, within 5 binomial standard deviations', () => {
    assert.equal(comparison.rollouts.length, both.flags.filter((flag) => flag.enabled).length);
    assert.deepEqual(comparison.outside, []);
    // And over every rollout cell at once, within half a percentage point of what the percentages add up to.
    const expected = comparison.rollouts.reduce((sum, r) => sum + (r.percentage / 100) * r.cells, 0);
    for (const system of ['tessera', 'unleash']) {
      const on = comparison.rollouts.reduce((sum, r) => sum + r.share[system] * r.cells, 0);
      assert.ok(Math.abs(on - expected) / comparison.rolloutCells < 0.005, `${system}: ${on} on, ${expected.toFixed(0)} expected`);
    }
  });

  it('hashes the same string with the same MurmurHash3 for a rollout, and reads different digits of it', () => {
    const { murmur3 } = tesseraEvaluator;
    let cells = 0;
    both.tenants.forEach((tenant, i) => {
      for (const flag of both.flags) {
        if (decidedBy(flag, tenant) !== 'rollout') continue;
        const h = murmur3(`${flag.key}:${tenant.id}`);
        cells += 1;
        assert.equal(maps.tessera[i][flag.key], h % 10_000 < flag.rollout * 100, `Tessera, ${flag.key} for ${tenant.id}`);
        assert.equal(maps.unleash[i][flag.key], flag.rollout > 0 && (h % 100) + 1 <= flag.rollout, `Unleash, ${flag.key} for ${tenant.id}`);
      }
    });
    assert.equal(cells, comparison.rolloutCells);
    // So the same tenants cannot be picked for 0 < p < 100: h = 100·p is on in Unleash and off in Tessera.
    assert.ok(comparison.agreeing < comparison.rolloutCells);
  });

  it('gives identical truth maps for 1,000 tenants once every rollout is at 0 % or at 100 %', async () => {
    for (const percentage of [0, 100]) {
      const tesseraFlags = maps.storedFlags.map((flag) => ({ ...flag, rules: flag.rules.map((rule) => (rule.type === 'percentage' ? { ...rule, percentage } : rule)) }));
      // unleash-client over the server's own definitions with the rollout changed, served to it as its server would.
      const features = client.getFeatureToggleDefinitions().map((feature) => ({
        ...feature,
        strategies: feature.strategies.map((strategy) => (strategy.name === 'flexibleRollout' ? { ...strategy, parameters: { ...strategy.parameters, rollout: String(percentage) } } : strategy)),
      }));
      const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 2, features })));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const changed = new Unleash({ url: `http://127.0.0.1:${server.address().port}/api/`, appName: 'tessera-bench-changed', environment: ENVIRONMENT, disableMetrics: true, refreshInterval: 3_600_000, skipInstanceCountWarning: true });
      await once(changed, 'synchronized');
      try {
        let cells = 0;
        for (const tenant of both.tenants) {
          const t = tesseraEvaluator.evaluateAll(tesseraFlags, tesseraSubject(tenant), null).flags;
          for (const flag of both.flags) {
            cells += 1;
            assert.equal(t[flag.key].value, changed.isEnabled(flag.key, unleashContext(tenant)), `${flag.key} for ${tenant.id} at ${percentage} %`);
          }
        }
        assert.equal(cells, FLAGS * TENANTS);
      } finally {
        changed.destroy();
        server.close();
      }
    }
  });
});
