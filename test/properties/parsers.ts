// Properties of the two parsers that read untrusted text (fast-check), shared by the quick unit test and the
// 100,000-case fuzz run in bench/fuzz.ts.
import fc from 'fast-check';
import { globToRegExp } from '../../src/core/monitor/keyMatcher.js';
import { argBytes, parseMonitorLine } from '../../src/core/monitor/parseLine.js';
import { KeyTemplateError, parseKeyTemplate } from '../../src/core/keyTemplate.js';
import { redisRepr } from './redisRepr.js';

const client = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `${ip}:${port}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `[${ip}]:${port}`),
  fc.constant('lua'),
  fc.stringMatching(/^\/[a-z0-9/._-]{1,40}$/).map((p) => `unix:${p}`),
);

/** A MONITOR line as Redis writes it, from any bytes: the parser returns exactly those bytes, time, db and client. */
export const monitorRoundTrip = fc.property(
  fc.integer({ min: 0, max: 4_102_444_800 }),
  fc.integer({ min: 0, max: 999_999 }),
  fc.integer({ min: 0, max: 15 }),
  client,
  fc.array(fc.uint8Array({ maxLength: 80 }), { minLength: 1, maxLength: 6 }),
  (sec, usec, db, who, args) => {
    const line = `${sec}.${String(usec).padStart(6, '0')} [${db} ${who}] ${args.map(redisRepr).join(' ')}`;
    const e = parseMonitorLine(line);
    if (e === null) throw new Error(`not parsed: ${line}`);
    if (e.timeUs !== sec * 1_000_000 + usec || e.db !== db || e.client !== who) throw new Error(`header differs: ${line}`);
    if (e.args.length !== args.length) throw new Error(`argument count differs: ${line}`);
    args.forEach((a, i) => {
      if (!argBytes(e.args[i]!).equals(Buffer.from(a))) throw new Error(`argument ${i} differs: ${line}`);
    });
  },
);

/** Any text at all, and any cut of a real line: an event or null, never an exception. */
export const monitorNeverThrows = fc.property(
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.tuple(fc.array(fc.uint8Array({ maxLength: 20 }), { minLength: 1, maxLength: 4 }), fc.nat()).map(([args, cut]) => {
      const line = `1795689833.490744 [0 127.0.0.1:5] ${args.map(redisRepr).join(' ')}`;
      return line.slice(0, cut % (line.length + 1));
    }),
  ),
  (text) => {
    const e = parseMonitorLine(text);
    if (e !== null && (e.args.length === 0 || !Number.isSafeInteger(e.timeUs))) throw new Error(`odd event from ${JSON.stringify(text)}`);
  },
);

/** Any template text: parsed, or refused with a KeyTemplateError (a one-line usage error), never another error. */
export const templateNeverThrows = fc.property(fc.string({ maxLength: 60 }), (source) => {
  try {
    parseKeyTemplate(source);
  } catch (err) {
    if (!(err instanceof KeyTemplateError)) throw err;
  }
});

const literal = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes('{') && !s.includes('}'));
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/);

/**
 * A valid template and values: the key built from them matches the template's SCAN pattern (as Redis globs it)
 * and gives the values back.
 */
export const templateRoundTrip = fc.property(
  fc.option(literal, { nil: '' }),
  fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
  fc.array(literal, { minLength: 3, maxLength: 3 }),
  fc.option(literal, { nil: '' }),
  fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 3 }),
  (head, names, separators, tail, rawValues) => {
    const seps = names.map((_, i) => (i < names.length - 1 ? separators[i]! : tail));
    const values = names.map((_, i) => rawValues[i]!);
    // A key is ambiguous when a value's end and its separator spell the separator early: no template can split it.
    fc.pre(values.every((v, i) => i === names.length - 1 || (v + seps[i]!).indexOf(seps[i]!) === v.length));
    const source = head + names.map((n, i) => `{${n}}${seps[i]!}`).join('');
    const key = head + values.map((v, i) => v + seps[i]!).join('');
    const t = parseKeyTemplate(source);
    const got = t.values(key);
    if (got === null || got.some((v, i) => v !== values[i]))
      throw new Error(`${source} on ${JSON.stringify(key)}: ${JSON.stringify(got)}, expected ${JSON.stringify(values)}`);
    if (!globToRegExp(t.scanPattern).test(key)) throw new Error(`scan pattern ${t.scanPattern} misses ${JSON.stringify(key)}`);
  },
);

// One element type for all, so a runner can loop over them (each keeps its own arbitraries).
export const PROPERTIES = { monitorRoundTrip, monitorNeverThrows, templateNeverThrows, templateRoundTrip } as unknown as Record<
  string,
  fc.IProperty<[unknown]>
>;
