// Reads a batch of cache entries in one round trip: TYPE, PTTL and the value (or only its size when too big),
// run by a read-only Lua script (EVAL_RO) so the server does the per-key work.
import type { Redis } from 'ioredis';
import type { CacheRead } from '../../core/scan/decode.js';

/** KEYS: the batch. ARGV[1]: max value bytes; ARGV[2..]: hash fields to fetch (HMGET), none = all (HGETALL). */
const READ_ENTRIES = `
local max = tonumber(ARGV[1])
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local out = {}
for i, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k)['ok']
  local pttl = redis.call('PTTL', k)
  if t == 'string' then
    local len = redis.call('STRLEN', k)
    if len > max then out[i] = {t, pttl, len, false} else out[i] = {t, pttl, len, redis.call('GET', k)} end
  elseif t == 'hash' then
    if #fields > 0 then
      local vals = redis.call('HMGET', k, unpack(fields))
      local pairs_ = {}
      for j = 1, #fields do
        if vals[j] then pairs_[#pairs_ + 1] = fields[j]; pairs_[#pairs_ + 1] = vals[j] end
      end
      out[i] = {t, pttl, -1, pairs_}
    else
      out[i] = {t, pttl, -1, redis.call('HGETALL', k)}
    end
  else
    out[i] = {t, pttl, -1, false}
  end
end
return out`;

type Reply = [Buffer, number, number, Buffer | Buffer[] | null];

export class EntryReader {
  private command: 'EVAL_RO' | 'EVAL' = 'EVAL_RO';

  constructor(
    private readonly redis: Redis,
    private readonly maxValueBytes: number,
    /** Hash fields the mappings need; empty fetches whole hashes. */
    private readonly hashFields: readonly string[],
  ) {}

  async read(keys: readonly Buffer[]): Promise<CacheRead[]> {
    if (keys.length === 0) return [];
    let replies: Reply[];
    try {
      replies = (await this.redis.callBuffer(this.command, READ_ENTRIES, keys.length, ...keys, String(this.maxValueBytes), ...this.hashFields)) as Reply[];
    } catch (err) {
      // Redis before 7 has no EVAL_RO; the script only reads either way.
      if (this.command === 'EVAL_RO' && /unknown command/i.test(String((err as Error).message))) {
        this.command = 'EVAL';
        return this.read(keys);
      }
      throw err;
    }
    return replies.map((r, i) => toRead(keys[i]!, r));
  }
}

function toRead(key: Buffer, [type, pttl, size, value]: Reply): CacheRead {
  const t = type.toString();
  const read: CacheRead = { key: key.toString('utf8'), type: t, pttl: Number(pttl), size: t === 'string' ? Number(size) : null, value: null, hash: null };
  if (t === 'string' && Buffer.isBuffer(value)) read.value = value;
  if (t === 'hash' && Array.isArray(value)) {
    read.hash = new Map();
    for (let i = 0; i + 1 < value.length; i += 2) read.hash.set(value[i]!.toString('utf8'), value[i + 1]!);
  }
  return read;
}
