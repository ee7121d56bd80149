// Totals every suite of one test run: the Jest-format JSON reports in the
// folder given, plus whole checks passed as "name:passed|failed".
// Prints a line per suite, then "N passed, N failed"; exits 1 if any failed.
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

for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(folder, file), 'utf8'));
  for (const suite of report.testResults ?? []) {
    const tests = suite.assertionResults ?? [];
    const good = tests.filter((t) => t.status === 'passed').length;
    // A suite that failed to run (syntax error, failing hook) has no passing tests to show for it.
    const bad = tests.filter((t) => t.status === 'failed').length + (suite.status === 'failed' && tests.every((t) => t.status !== 'failed') ? 1 : 0);
    passed += good;
    failed += bad;
    const seconds = suite.endTime && suite.startTime ? ` in ${Math.round((suite.endTime - suite.startTime) / 1000)} s` : '';
    lines.push(`${bad ? 'FAIL' : 'ok  '} ${file.replace(/\.json$/, '')}: ${suite.name.split('/').slice(-3).join('/')} (${good} passed, ${bad} failed${seconds})`);
  }
}

console.log(`\nSummary\n${lines.join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
