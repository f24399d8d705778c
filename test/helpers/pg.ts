// One query on a fresh connection, for tests that set up or inspect a database.
import pg from 'pg';

export async function sql<Row extends object>(url: string, text: string): Promise<Row[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as Row[];
  } finally {
    await c.end();
  }
}
