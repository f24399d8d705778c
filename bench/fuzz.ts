// bench/fuzz: the MONITOR line parser and the key-template parser under fast-check, 100,000 cases per property
// (--runs N to change), with a seed printed so a failure can be replayed (--seed S).
//   npm run fuzz [-- --runs 100000 --seed 42]
import fc from 'fast-check';
import { PROPERTIES } from '../test/properties/parsers.js';
import { numberArg } from './args.js';

const runs = numberArg('--runs', 100_000);
const seed = numberArg('--seed', Date.now() % 2 ** 31);
let failed = false;
for (const [name, property] of Object.entries(PROPERTIES)) {
  const t0 = performance.now();
  const out = fc.check(property, { numRuns: runs, seed });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (out.failed) {
    failed = true;
    console.log(
      `${name}: FAILED after ${out.numRuns} cases (seed ${seed}, path ${out.counterexamplePath}): ${fc.stringify(out.counterexample)}\n  ${String(out.errorInstance)}`,
    );
  } else {
    console.log(`${name}: ${out.numRuns.toLocaleString()} cases passed (${out.numSkips} skipped by preconditions) in ${s} s, seed ${seed}`);
  }
}
process.exit(failed ? 1 : 0);
