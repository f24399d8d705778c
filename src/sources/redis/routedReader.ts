// Reads the entries of any keys: on the one server, or on a Redis Cluster on each key's master (by hash slot), the
// keys of one master in one call. A key its node refuses (its slot moved) is read again on the owner the cluster
// now names; one it still cannot be read is said to be refused, never guessed.
import type { Redis } from 'ioredis';
import { keySlot } from '../../core/clusterSlot.js';
import type { RedisNodes } from './connect.js';
import type { EntryReader } from './entries.js';
import type { PackedEntry } from './entryScripts.js';

export class RoutedReader {
  private readonly readers = new Map<string, EntryReader>();
  private owners: string[] | null = null;

  constructor(
    private readonly nodes: RedisNodes,
    private readonly cluster: boolean,
    private readonly reader: (redis: Redis) => EntryReader,
  ) {}

  /** The entries of these keys, in order. */
  async read(keys: readonly Buffer[]): Promise<PackedEntry[]> {
    if (!this.cluster) return this.readerOf(this.nodes.nodes[0]!).read(keys);
    const out = await this.readRouted(
      keys,
      keys.map((_, i) => i),
      new Array<PackedEntry | null>(keys.length).fill(null),
    );
    const refused = out.flatMap((e, i) => (e === null || e.refused ? [i] : []));
    if (refused.length > 0) {
      // A slot moved (a reshard, a failover): ask the cluster again, once.
      this.owners = null;
      await this.readRouted(keys, refused, out);
    }
    return out.map(
      (e, i) =>
        e ?? {
          read: { key: keys[i]!.toString('utf8'), type: 'none', pttl: -2, size: null, value: null, hash: null },
          pending: false,
          refused: true,
          keyBytes: keys[i]!,
        },
    );
  }

  private async readRouted(keys: readonly Buffer[], which: number[], out: (PackedEntry | null)[]): Promise<(PackedEntry | null)[]> {
    const owners = await this.slotOwners();
    const byOwner = new Map<string, number[]>();
    for (const i of which) {
      const owner = owners[keySlot(keys[i]!)] ?? '';
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), i]);
    }
    await Promise.all(
      [...byOwner].map(async ([owner, idx]) => {
        if (owner === '') return;
        const reader = await this.readerFor(owner);
        const got = await reader.read(idx.map((i) => keys[i]!));
        for (const [j, e] of got.entries()) out[idx[j]!] = e;
      }),
    );
    return out;
  }

  private async slotOwners(): Promise<string[]> {
    if (this.owners) return this.owners;
    const owners = new Array<string>(16384).fill('');
    for (const r of await this.readerOf(this.nodes.nodes[0]!).slotOwners()) owners.fill(r.owner, r.start, r.end + 1);
    this.owners = owners;
    return owners;
  }

  private async readerFor(owner: string): Promise<EntryReader> {
    const known = this.readers.get(owner) ?? [...this.readers.values()].find((r) => r.target === owner);
    if (known) return known;
    const node = this.nodes.nodes.find((n) => `${n.options.host}:${n.options.port}` === owner) ?? (await this.nodes.open(owner));
    return this.readerOf(node, owner);
  }

  private readerOf(redis: Redis, name = `${redis.options.host}:${redis.options.port}`): EntryReader {
    let r = this.readers.get(name);
    if (!r) {
      r = this.reader(redis);
      this.readers.set(name, r);
    }
    return r;
  }
}
