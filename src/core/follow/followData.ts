// What follow reports besides its findings: where it followed, how, and per mapping what the cache did.
import type { Spread } from '../stats.js';
import type { MappingFollow } from './checker.js';

/** A time nothing was followed: the primary was lost, and a new slot starts where it was reopened. */
export interface FollowGap {
  from: string;
  to: string;
  seconds: number;
  why: string;
}

export interface FollowData {
  primary: string;
  /** logical: every write from a temporary slot; poll: the fallback, the rows whose updatedAt moved. */
  mode: 'logical' | 'poll';
  slot: string | null;
  /** What this mode cannot see. */
  notes: string[];
  replicas: string[];
  clock: { offsetMs: number; uncertaintyMs: number };
  graceMs: number;
  raceWindowMs: number;
  channel: string | null;
  mappings: MappingFollow[];
  /** The most WAL the slot held back (how far the follow was behind the primary), in bytes. */
  maxBehindBytes: number | null;
  /** When nothing was followed (the primary lost, then reopened with a new slot, or not reopened by the end). */
  gaps: FollowGap[];
  /** From each write's commit to follow seeing it, in ms (the follow's own delay). */
  seenAfterCommitMs: Spread | null;
  seconds: number;
}
