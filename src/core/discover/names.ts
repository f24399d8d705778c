// Names that mean the same thing to a person: "products" and "product", "OrderItem" and "order_items",
// "updatedAt" and "updated_at". How a key's words are matched with a table, and a value's fields with columns.

const IRREGULAR: Record<string, string> = { people: 'person', children: 'child', men: 'man', women: 'woman', data: 'data', statuses: 'status' };

/** Lower case, letters and digits only: "Order_Items" -> "orderitems". */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** An English plural made singular, well enough for table names: categories -> category, boxes -> box. */
export function singular(word: string): string {
  const w = word.toLowerCase();
  if (IRREGULAR[w]) return IRREGULAR[w];
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(?:ss|x|ch|sh|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && w.length > 2) return w.slice(0, -1);
  return w;
}

/** camelCase and kebab-case as snake_case: "updatedAt" -> "updated_at". */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/**
 * Whether a key's words name this table: some run of them, joined, is the table's name, singular or plural, any
 * case, with or without underscores ("order", "item" for order_items). The schema may be among the words too
 * ("catalog:product:{id}" for catalog.products). The words that named it, or null.
 */
export function tableNamedBy(words: readonly string[], table: { schema: string; name: string }): { words: string; schema: boolean } | null {
  const want = singular(normalizeName(table.name));
  const schema = normalizeName(table.schema);
  const norm = words.map(normalizeName);
  for (let len = norm.length; len >= 1; len -= 1) {
    for (let i = 0; i + len <= norm.length; i += 1) {
      if (singular(norm.slice(i, i + len).join('')) !== want) continue;
      const before = norm.slice(0, i);
      return { words: words.slice(i, i + len).join(':'), schema: before.includes(schema) };
    }
  }
  return null;
}

/** The column a field is stored in: its own name, or its last path part, as snake_case or any case. */
export function columnForField(field: string, columns: readonly string[]): string | null {
  const last = field.split('.').pop()!;
  for (const candidate of [last, snakeCase(last)]) {
    if (columns.includes(candidate)) return candidate;
    const ci = columns.find((c) => c.toLowerCase() === candidate.toLowerCase());
    if (ci) return ci;
  }
  return null;
}
