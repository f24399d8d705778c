// PostgreSQL WAL positions ("16/B374D848") as exact integers, so byte lag is computed here, not in SQL.

/** "X/Y" (both hex) -> X * 2^32 + Y, or undefined when the text is not an LSN. */
export function parseLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text.trim());
  if (!m) return undefined;
  return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** Bytes from `behind` to `ahead`, never negative (a replica cannot be ahead; clocks of two reads can). */
export function lsnBytesBetween(ahead: string | null | undefined, behind: string | null | undefined): number | undefined {
  const a = parseLsn(ahead);
  const b = parseLsn(behind);
  if (a === undefined || b === undefined) return undefined;
  const diff = a - b;
  return diff > 0n ? Number(diff) : 0;
}
