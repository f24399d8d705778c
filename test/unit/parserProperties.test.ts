// The parsers of untrusted text under fast-check: a quick run here; bench/fuzz.ts runs 100,000 cases of each.
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PROPERTIES } from '../properties/parsers.js';

describe('parser properties (fast-check, 2,000 cases each)', () => {
  for (const [name, property] of Object.entries(PROPERTIES)) {
    it(name, () => fc.assert(property, { numRuns: 2000 }));
  }
});
