// Totals every suite of one test run: the Jest-format JSON reports in the
// folder given, plus whole checks passed as "name:passed|failed".
// Prints a line per suite, and each flaky one (failed, then passed alone), then "N passed, N failed"; exits 1 if any failed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [folder, ...checks] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const lines = [];

for (const check of checks) {
  const at = check.lastIndexOf(':');
  const ok = check.slice(at + 1) === 'passed';
  if (ok) passed += 1;
  else failed += 1;
  lines.push(`${ok ? 'ok  ' : 'FAIL'} ${check.slice(0, at)}`);
}

// <name>.again.json holds a second run of <name>'s failed files, alone (scripts/test.sh):
// a file in it counts by that run, and is named FLAKY with what failed the first time.
const counts = (suite) => {
  const tests = suite.assertionResults ?? [];
  const good = tests.filter((t) => t.status === 'passed').length;
  // A suite that failed to run (syntax error, failing hook) has no passing tests to show for it.
  const bad = tests.filter((t) => t.status === 'failed').length + (suite.status === 'failed' && tests.every((t) => t.status !== 'failed') ? 1 : 0);
  return { good, bad, failedNames: tests.filter((t) => t.status === 'failed').map((t) => t.fullName ?? t.title) };
};
const read = (file) => JSON.parse(readFileSync(join(folder, file), 'utf8'));
const reports = readdirSync(folder).filter((name) => name.endsWith('.json') && !name.endsWith('.again.json')).sort();
const flaky = [];

for (const file of reports) {
  const name = file.replace(/\.json$/, '');
  const again = readdirSync(folder).includes(`${name}.again.json`) ? new Map(read(`${name}.again.json`).testResults?.map((suite) => [suite.name, suite]) ?? []) : new Map();
  for (const first of read(file).testResults ?? []) {
    const suite = again.get(first.name) ?? first;
    const { good, bad } = counts(suite);
    passed += good;
    failed += bad;
    const where = suite.name.split('/').slice(-3).join('/');
    const seconds = suite.endTime && suite.startTime ? ` in ${Math.round((suite.endTime - suite.startTime) / 1000)} s` : '';
    const second = suite === first ? '' : ', run again alone';
    lines.push(`${bad ? 'FAIL' : 'ok  '} ${name}: ${where} (${good} passed, ${bad} failed${seconds}${second})`);
    if (suite !== first && bad === 0) {
      const before = counts(first);
      flaky.push(`FLAKY ${name}: ${where} failed ${before.bad} on the first run and passed alone: ${before.failedNames.join('; ') || 'a hook failed'}`);
    }
  }
}
if (flaky.length) lines.push('', ...flaky);

console.log(`\nSummary\n${lines.join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
