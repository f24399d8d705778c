import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DemoStep, missedExpectations } from '../../src/core/demo.js';
import { toEnvelope } from '../../src/core/envelope.js';
import { finding } from '../../src/core/findings/findings.js';

const report = (kinds: Parameters<typeof finding>[0][]) =>
  toEnvelope(
    { command: 'report', fails: false, complete: true, summary: {}, findings: kinds.map((k) => finding(k, `${k} happened`)), data: {} },
    't',
    new Date(),
  );
const step = (over: Partial<DemoStep>): DemoStep => ({
  title: 'step',
  explanation: '',
  expected: ['replica-lag'],
  command: '',
  report: report(['replica-lag']),
  ...over,
});

describe('missedExpectations', () => {
  it('passes a step that found what it staged, and fails one that missed some or found something on a healthy step', () => {
    assert.deepEqual(missedExpectations([step({})]), []);
    assert.match(missedExpectations([step({ report: report([]) })])[0]!.message, /missing \[replica-lag\]/);
    assert.match(missedExpectations([step({ expected: [], report: report(['no-ttl']) })])[0]!.message, /unexpected \[no-ttl\]/);
  });
  it('fails a step whose staged traffic broke, even when the report found everything', () => {
    const [f] = missedExpectations([step({ trafficError: 'connection refused' })]);
    assert.equal(f?.kind, 'demo-unexpected');
    assert.match(f!.message, /the staged traffic failed \(connection refused\)/);
  });
});
