// Merges the MONITOR streams of several Redis nodes (the masters of a cluster) into one stream in time order.
//
// Each node's stream is already in time order; across nodes, an item is released once no stream can still send
// anything older: when every stream has been heard from past it (the watermark), or when it is older than the
// estimated current time minus a hold-back (a quiet node must not hold the others forever). Node clocks are
// assumed to agree within the hold-back. Pure: times in, items out.

interface Held<T> {
  timeUs: number;
  seq: number;
  item: T;
}

export class TimeMerge<T> {
  private heap: Held<T>[] = [];
  private seq = 0;
  /** The newest time each stream has sent. */
  private latest: number[];

  constructor(
    streams: number,
    private readonly holdBackUs: number,
  ) {
    this.latest = new Array<number>(streams).fill(-Infinity);
  }

  get size(): number {
    return this.heap.length;
  }

  /** The stream has got to `timeUs` without an item to merge (a heartbeat). */
  advance(stream: number, timeUs: number): void {
    this.latest[stream] = Math.max(this.latest[stream]!, timeUs);
  }

  push(stream: number, timeUs: number, item: T): void {
    this.latest[stream] = Math.max(this.latest[stream]!, timeUs);
    this.heap.push({ timeUs, seq: this.seq++, item });
    this.up(this.heap.length - 1);
  }

  /**
   * Items that can no longer be preceded, oldest first. `nowUs`: the current time in the nodes' clock, as well as
   * it is known (the newest time sent, plus what has passed since). `all`: everything (the streams have ended).
   */
  release(nowUs: number, all = false): T[] {
    const watermark = all ? Infinity : Math.max(Math.min(...this.latest), nowUs - this.holdBackUs);
    const out: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.timeUs <= watermark) out.push(this.pop());
    return out;
  }

  private pop(): T {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.item;
  }

  private less(a: Held<T>, b: Held<T>): boolean {
    return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) return;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
