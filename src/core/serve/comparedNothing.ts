// serve's log for a mapping whose scan compared nothing (no key matched its template, or no value could be read:
// a typo in --key or --version-field): said once when it starts, with an example, and once when it compares again.
// Without it the only sign is a finding count on /metrics, and its stale entries could never alert.
import type { Finding } from '../findings/findings.js';

export interface ComparedNothing {
  /** The mappings that compared nothing in the last scan. */
  blind: Set<string>;
  /** What to log about the change since the scan before. */
  lines: string[];
}

export function comparedNothing(before: ReadonlySet<string>, findings: readonly Finding[]): ComparedNothing {
  const blind = new Set<string>();
  const lines: string[] = [];
  for (const f of findings) {
    if (f.kind !== 'no-keys' || typeof f.mapping !== 'string') continue;
    blind.add(f.mapping);
    if (before.has(f.mapping)) continue;
    const example = findings.find((e) => (e.kind === 'undecodable' || e.kind === 'oversized') && e.mapping === f.mapping);
    lines.push(`${f.message}${example ? `; e.g. ${example.message}` : ''}${f.fix ? ` (${f.fix})` : ''}`);
  }
  for (const m of before) if (!blind.has(m)) lines.push(`mapping ${m} compares entries again`);
  return { blind, lines };
}
