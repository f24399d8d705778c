// What the invalidation channel's subscriber count says: too few listeners keep stale in-process copies.
import { finding, type Finding } from './findings/findings.js';

/**
 * missing-subscribers when fewer than `expected` instances listen; with no expectation, no-subscribers when nobody does (only
 * `report` says that: `monitor` leaves it to --expect-subscribers).
 */
export function subscriberFindings(channel: string, subscribers: number, expected: number | null, noneIsWorthSaying: boolean): Finding[] {
  if (expected !== null && subscribers < expected) {
    return [
      finding(
        'missing-subscribers',
        `channel ${channel} has ${subscribers} subscriber(s), expected ${expected}: instances that do not listen keep stale in-process copies`,
        { channel, subscribers, expected },
      ),
    ];
  }
  if (expected === null && subscribers === 0 && noneIsWorthSaying) {
    return [
      finding('no-subscribers', `nobody subscribes to channel ${channel}: instances that keep in-process copies never hear of invalidations`, {
        channel,
        subscribers,
      }),
    ];
  }
  return [];
}
