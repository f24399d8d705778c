// Does a cached field hold the same value as the row's column (read as text)?

/** Type-aware equality: 12.5 equals "12.50", true equals "t", objects compare as canonical JSON. */
export function sameValue(cached: unknown, columnText: string | null): boolean {
  if (columnText === null) return cached === null || cached === undefined;
  if (cached === null || cached === undefined) return false;
  if (typeof cached === 'number') return isNumeric(columnText) && Number(columnText) === cached;
  if (typeof cached === 'boolean') return (columnText === 't' || columnText === 'true') === cached && ['t', 'f', 'true', 'false'].includes(columnText);
  if (typeof cached === 'string') {
    if (cached === columnText) return true;
    return isNumeric(cached) && isNumeric(columnText) && Number(cached) === Number(columnText);
  }
  try {
    return canonical(cached) === canonical(JSON.parse(columnText));
  } catch {
    return false;
  }
}

function isNumeric(s: string): boolean {
  return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s.trim());
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
