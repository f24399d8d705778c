// Read-only Lua scripts that read cache entries server-side and answer with ONE packed string per batch:
// far fewer reply objects to parse and collect than an array per key (the scan's hot path, see bench/scan).
//
// Record per key:  <t><pttl>,<size>,<keylen>:<key><payload>
//   t: s string, h hash, n none (gone), o other type
//   string payload: <len>:<value>, or "-" when over the size limit (size still says how big)
//   hash payload:   <pairs>,{<flen>:<field><vlen>:<value>}  (only the requested fields, or all)
//   other payload:  <len>:<type name>
//   p<keylen>:<key>  a key left for a later call: this call's byte budget is spent (values are read first-come,
//                    and the first key of a call is always read, so every call makes progress)
//   r<keylen>:<key>  a key this node refused: on a cluster, a key of a slot it does not serve (a slot migrating
//                    to or from it; a re-check after the slot moved): read it on the slot's owner
import type { CacheRead } from '../../core/scan/decode.js';

// Parts are appended to one table and joined once: Lua string concatenation interns every intermediate string.
// A string costs PTTL and GETRANGE (no TYPE: GETRANGE on another type returns an error we catch).
const READ_ONE = `
local budget, spent, reads = math.huge, 0, 0
local function read_one(k, max, fields, out)
  local n = #out
  if reads > 0 and spent >= budget then
    out[n + 1] = 'p'; out[n + 2] = #k; out[n + 3] = ':'; out[n + 4] = k
    return
  end
  -- A cluster node refuses a key of a slot it does not serve ("non local key"): say so, do not fail the batch.
  -- Any other error (an ACL without PTTL) fails the call as before.
  local p = redis.pcall('PTTL', k)
  if type(p) == 'table' and p.err then
    if string.find(p.err, 'non local', 1, true) or string.find(p.err, '^MOVED') or string.find(p.err, '^ASK') or string.find(p.err, '^TRYAGAIN') then
      out[n + 1] = 'r'; out[n + 2] = #k; out[n + 3] = ':'; out[n + 4] = k
      return
    end
    error(p)
  end
  reads = reads + 1
  -- %d: Lua would print a PTTL of 1e14 or more as 1.98e+14.
  local pttl = string.format('%d', p)
  if pttl == '-2' then
    out[n + 1] = 'n-2,0,'; out[n + 2] = #k; out[n + 3] = ':'; out[n + 4] = k
    return
  end
  -- GETRANGE reads at most max + 1 bytes: a value that fills them is oversized, and only then is STRLEN asked.
  local v = redis.pcall('GETRANGE', k, 0, max)
  -- Only "not a string" is expected here (the key is a hash or another type); anything else (an ACL) fails the call.
  if type(v) == 'table' and v.err and not string.find(v.err, 'WRONGTYPE', 1, true) then error(v) end
  if type(v) == 'string' then
    out[n + 1] = 's'; out[n + 2] = pttl; out[n + 3] = ','
    out[n + 5] = ','; out[n + 6] = #k; out[n + 7] = ':'; out[n + 8] = k
    if #v > max then
      out[n + 4] = redis.call('STRLEN', k); out[n + 9] = '-'
    else
      out[n + 4] = #v; out[n + 9] = #v; out[n + 10] = ':'; out[n + 11] = v
      spent = spent + #v
    end
    return
  end
  local t = redis.call('TYPE', k)['ok']
  if t == 'hash' then
    out[n + 1] = 'h'; out[n + 2] = pttl; out[n + 3] = ',0,'; out[n + 4] = #k; out[n + 5] = ':'; out[n + 6] = k
    local kv = {}
    if #fields > 0 then
      local vals = redis.call('HMGET', k, unpack(fields))
      for j = 1, #fields do
        if vals[j] then kv[#kv + 1] = #fields[j]; kv[#kv + 1] = ':'; kv[#kv + 1] = fields[j]; kv[#kv + 1] = #vals[j]; kv[#kv + 1] = ':'; kv[#kv + 1] = vals[j] end
      end
    else
      local all = redis.call('HGETALL', k)
      for j = 1, #all do kv[#kv + 1] = #all[j]; kv[#kv + 1] = ':'; kv[#kv + 1] = all[j]; spent = spent + #all[j] end
    end
    out[n + 7] = #kv / 6; out[n + 8] = ','; out[n + 9] = table.concat(kv)
  else
    out[n + 1] = 'o'; out[n + 2] = pttl; out[n + 3] = ',0,'; out[n + 4] = #k; out[n + 5] = ':'; out[n + 6] = k
    out[n + 7] = #t; out[n + 8] = ':'; out[n + 9] = t
  end
end
`;

/**
 * ARGV[1]: max value bytes; ARGV[2]: byte budget; ARGV[3]: number of hash fields f; ARGV[4..3+f]: the fields;
 * then the keys.
 * Keys travel in ARGV, not KEYS: KEYS from different slots are refused (CROSSSLOT) in a cluster, while a node
 * serves undeclared keys of its own slots; the caller sends each key to the node it was scanned on.
 */
export const READ_KEYS = `${READ_ONE}
local max = tonumber(ARGV[1])
budget = tonumber(ARGV[2])
local nf = tonumber(ARGV[3])
local fields = {}
for i = 4, 3 + nf do fields[#fields + 1] = ARGV[i] end
local out = {}
for i = 4 + nf, #ARGV do read_one(ARGV[i], max, fields, out) end
return table.concat(out)`;

/**
 * ARGV[1]: cursor; ARGV[2]: MATCH pattern; ARGV[3]: COUNT; ARGV[4]: max value bytes; ARGV[5]: byte budget;
 * ARGV[6..]: hash fields. One SCAN step and the entries it found, in one round trip: the keys never travel to the
 * client and back.
 */
export const SCAN_AND_READ = `${READ_ONE}
local r = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local max = tonumber(ARGV[4])
budget = tonumber(ARGV[5])
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local out = {}
for _, k in ipairs(r[2]) do read_one(k, max, fields, out) end
return {r[1], table.concat(out)}`;

export interface PackedEntry {
  read: CacheRead;
  /** Not read yet: the call's byte budget was spent before this key (read it with another call). */
  pending: boolean;
  /** Refused by this node (a cluster slot it does not serve now): read it on the slot's owner. */
  refused: boolean;
  /** The key's bytes (a view into the reply), for reading it again later. */
  keyBytes: Buffer;
}

/** Parses a packed batch. Views into `buf` are kept (no copies); the key text is decoded once. */
export function parsePacked(buf: Buffer): PackedEntry[] {
  const out: PackedEntry[] = [];
  let i = 0;
  const int = (stop: number): number => {
    let n = 0;
    let neg = false;
    if (buf[i] === 45) {
      neg = true;
      i += 1;
    }
    while (buf[i] !== stop) {
      n = n * 10 + (buf[i]! - 48);
      i += 1;
    }
    i += 1;
    return neg ? -n : n;
  };
  const bytes = (): Buffer => {
    const len = int(58);
    const b = buf.subarray(i, i + len);
    i += len;
    return b;
  };
  while (i < buf.length) {
    const t = buf[i];
    i += 1;
    if (t === 112 || t === 114) {
      const keyBytes = bytes();
      out.push({
        read: { key: keyBytes.toString('utf8'), type: 'none', pttl: -2, size: null, value: null, hash: null },
        keyBytes,
        pending: t === 112,
        refused: t === 114,
      });
      continue;
    }
    const pttl = int(44);
    const size = int(44);
    const keyBytes = bytes();
    const read: CacheRead = {
      key: keyBytes.toString('utf8'),
      type: t === 115 ? 'string' : t === 104 ? 'hash' : 'none',
      pttl,
      size: t === 115 ? size : null,
      value: null,
      hash: null,
    };
    if (t === 115) {
      if (buf[i] === 45) i += 1;
      else read.value = bytes();
    } else if (t === 104) {
      const pairs = int(44);
      read.hash = new Map();
      for (let p = 0; p < pairs; p += 1) {
        const field = bytes().toString('utf8');
        read.hash.set(field, bytes());
      }
    } else if (t === 111) {
      read.type = bytes().toString('utf8');
    }
    out.push({ read, keyBytes, pending: false, refused: false });
  }
  return out;
}
