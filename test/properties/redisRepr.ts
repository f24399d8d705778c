// Redis' own quoting of an argument in a MONITOR line (sdscatrepr in sds.c): the reference the parser is tested
// against.
export function redisRepr(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x07) s += '\\a';
    else if (b === 0x08) s += '\\b';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}
