// Walks every command's options and checks the rules they share: one definition per flag, the same word meaning
// the same thing everywhere, the options each kind of command must take, and durations that need a unit.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Option } from 'commander';
import { COMMANDS } from '../../src/commands/index.js';
import { UsageError } from '../../src/errors.js';
import { GLOBAL } from '../../src/options/catalog.js';
import { longFlag, type OptionSpec, parseOptions } from '../../src/options/spec.js';
import { ValueError } from '../../src/options/values.js';

const commandsDir = new URL('../../src/commands', import.meta.url).pathname;

function sourcesOf(name: string): string {
  return readdirSync(join(commandsDir, name))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(commandsDir, name, f), 'utf8'))
    .join('\n');
}

const everyOption = (): [string, string, OptionSpec][] => [
  ...Object.entries(GLOBAL).map(([k, s]) => ['(global)', k, s] as [string, string, OptionSpec]),
  ...COMMANDS.flatMap((c) => Object.entries(c.options).map(([k, s]) => [c.name, k, s] as [string, string, OptionSpec])),
];

describe('options: one shape for every command', () => {
  it('names each option as commander does, so the typed parser reads what commander parsed', () => {
    for (const [command, key, spec] of everyOption()) {
      assert.equal(new Option(spec.flags).attributeName(), key, `${command} ${spec.flags}`);
      assert.ok(spec.help.length > 10, `${command} ${spec.flags} has help`);
    }
  });

  it('defines each flag once: the same flag on two commands is the same option (same parser, same unit)', () => {
    const byFlag = new Map<string, { command: string; spec: OptionSpec }>();
    for (const [command, , spec] of everyOption()) {
      const flag = longFlag(spec);
      const seen = byFlag.get(flag);
      if (!seen) byFlag.set(flag, { command, spec });
      else {
        assert.equal(spec.base ?? spec, seen.spec.base ?? seen.spec, `${flag} on ${command} and ${seen.command} must be one definition (restate() it)`);
        assert.equal(spec.type, seen.spec.type, `${flag}: one value type`);
      }
    }
    const globals = new Set(Object.values(GLOBAL).map(longFlag));
    for (const c of COMMANDS) for (const spec of Object.values(c.options)) assert.ok(!globals.has(longFlag(spec)), `${c.name} redefines global ${spec.flags}`);
  });

  it('gives every kind of command the options its kind needs', () => {
    const need = { scans: ['all', 'sample', 'maxStale', 'maxListed'], mappings: ['mapping', 'key', 'table'], progress: ['quiet'] } as const;
    for (const c of COMMANDS) {
      for (const trait of c.traits) for (const key of need[trait]) assert.ok(key in c.options, `${c.name} (${trait}) takes --${key}`);
      // A command that shows a progress line says so, and so takes --quiet.
      if (/\bout\.progress\(/.test(sourcesOf(c.name))) assert.ok(c.traits.includes('progress'), `${c.name} shows progress: trait 'progress'`);
    }
    assert.deepEqual(
      COMMANDS.filter((c) => c.traits.includes('scans')).map((c) => c.name),
      ['report', 'scan'],
    );
  });

  it('reads a bare number as the same unit everywhere: a duration needs one, and says how to write it', () => {
    let durations = 0;
    for (const [command, , spec] of everyOption()) {
      if (spec.type?.kind !== 'duration') continue;
      durations += 1;
      assert.throws(
        () => spec.type!.parse('5'),
        (e: unknown) => e instanceof ValueError && e.message === '"5" has no unit' && e.hint === 'write 5s or 5ms',
        `${command} ${spec.flags}`,
      );
      assert.equal(spec.type.parse('5s'), 5000, `${command} ${spec.flags}`);
      assert.equal(spec.type.parse('250ms'), 250, `${command} ${spec.flags}`);
      // Zero is allowed where it means "none" (--grace 0), else refused as zero, with or without a unit.
      const zeroOk = spec.flags.startsWith('--grace');
      for (const zero of ['0', '0s']) {
        if (zeroOk) assert.equal(spec.type.parse(zero), 0, `${command} ${spec.flags} ${zero}`);
        else assert.throws(() => spec.type!.parse(zero), /must be more than 0/, `${command} ${spec.flags} ${zero}`);
      }
      // Longer than a timer can wait is refused, not fired at once.
      assert.throws(() => spec.type!.parse('99999999h'), /too long: at most 596h/, `${command} ${spec.flags}`);
    }
    assert.ok(durations >= 8, `${durations} duration options`);
  });

  it('shows each real default as a value its own parser reads back to the same default', () => {
    for (const [command, , spec] of everyOption()) {
      if (!spec.type || spec.default === null || spec.defaultText) continue;
      assert.deepEqual(spec.type.parse(spec.type.show(spec.default)), spec.default, `${command} ${spec.flags}`);
    }
  });

  it('parses flags into typed values, naming the flag in a one-line error', () => {
    const scan = COMMANDS.find((c) => c.name === 'scan')!;
    const raw = (flags: Record<string, unknown>) => ({ flags, config: {}, configName: 'config file' });
    const values = parseOptions(scan.options, raw({ sample: '50', grace: '0', maxValueBytes: '2MiB' }));
    assert.equal(values.sample, 50);
    assert.equal(values.grace, 0);
    assert.equal(values.maxValueBytes, 2 * 1024 * 1024);
    assert.equal(values.maxListed, 100);
    assert.throws(
      () => parseOptions(scan.options, raw({ grace: '2' })),
      (e: unknown) => e instanceof UsageError && e.line === '--grace: "2" has no unit (write 2s or 2ms)',
    );
    assert.throws(() => parseOptions(scan.options, raw({ sample: '0' })), /^UsageError: --sample: expected at least 1, got "0"$/);
  });
});
