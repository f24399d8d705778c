// The catalog as init reads it, on a real primary: columns and the keys that identify a row, tables the role may not
// read counted apart, a database over the limit says how many it did not read; and ids counted as rows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectPg } from '../../src/sources/postgres/connect.js';
import { countRows, readCatalog } from '../../src/sources/postgres/catalog.js';
import { sql } from '../helpers/pg.js';
import { useSandbox } from '../helpers/sandbox.js';

describe('the catalog init matches with', () => {
  const sandbox = useSandbox({ standby: false, redis: false });

  it('lists readable tables with columns and keys, counts the others, and says how many it left past the limit', async () => {
    const sb = await sandbox.ready();
    await sql(
      sb.primaryUrl,
      `CREATE SCHEMA shop;
       CREATE TABLE shop.a_items (id bigint PRIMARY KEY, sku text NOT NULL UNIQUE, title varchar(20), version int NOT NULL);
       INSERT INTO shop.a_items SELECT g, 's' || g, 't', 1 FROM generate_series(1, 10) g;
       CREATE TABLE shop.b_orders (tenant text, id bigint, PRIMARY KEY (tenant, id));
       INSERT INTO shop.b_orders VALUES ('acme', 1), ('acme', 2);
       CREATE TABLE shop.c_logs (line text);
       CREATE TABLE shop.secret (id int PRIMARY KEY);
       CREATE ROLE catalog_reader LOGIN PASSWORD 'r3ader';
       GRANT USAGE ON SCHEMA shop TO catalog_reader;
       GRANT SELECT ON shop.a_items, shop.b_orders, shop.c_logs TO catalog_reader;`,
    );
    const url = new URL(sb.primaryUrl);
    url.username = 'catalog_reader';
    url.password = 'r3ader';
    const db = await connectPg({ url: url.toString(), flag: '--pg', timeoutMs: 5000 });
    try {
      const all = await readCatalog(db);
      assert.deepEqual(
        all.tables.map((t) => `${t.schema}.${t.name}`),
        ['shop.a_items', 'shop.b_orders', 'shop.c_logs'],
      );
      assert.equal(all.unreadable, 1, 'shop.secret is not readable by the role');
      assert.equal(all.notRead, 0);
      const items = all.tables[0]!;
      assert.deepEqual(
        items.columns.map((c) => [c.name, c.type]),
        [
          ['id', 'bigint'],
          ['sku', 'text'],
          ['title', 'character varying(20)'],
          ['version', 'integer'],
        ],
      );
      assert.deepEqual(items.keys, [['id'], ['sku']], 'the primary key first, then the unique index');
      assert.deepEqual(all.tables[1]!.keys, [['tenant', 'id']]);

      const cut = await readCatalog(db, 2);
      assert.equal(cut.tables.length, 2);
      assert.equal(cut.notRead, 1, 'the third readable table is past the limit');

      assert.equal(await countRows(db, { schema: 'shop', name: 'a_items' }, [items.columns[0]!], [['1'], ['7'], ['99']]), 2);
      const orders = all.tables[1]!;
      assert.equal(
        await countRows(
          db,
          { schema: 'shop', name: 'b_orders' },
          [orders.columns[0]!, orders.columns[1]!],
          [
            ['acme', '2'],
            ['acme', '3'],
            ['globex', '1'],
          ],
        ),
        1,
      );
      assert.equal(await countRows(db, { schema: 'shop', name: 'a_items' }, [items.columns[2]!], [['t']]), 10, 'a typed column with a modifier');
    } finally {
      await db.close();
    }
  });
});
