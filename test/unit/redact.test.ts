import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl, scrub, scrubDeep, secretsInUrl } from '../../src/core/redact.js';

describe('redactUrl', () => {
  it('masks the password and keeps the user, host and path', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db:5432/app'), 'postgres://app:***@db:5432/app');
    assert.equal(redactUrl('redis://:tok%40en@cache:6379/0'), 'redis://:***@cache:6379/0');
  });
  it('reads the userinfo up to the last @, as URL parsers do', () => {
    assert.equal(redactUrl('postgres://mon:p@ss@db/app'), 'postgres://mon:***@db/app');
    assert.deepEqual(secretsInUrl('postgres://mon:p@ss@db/app'), ['p@ss']);
  });
  it('leaves URLs without a password alone', () => {
    assert.equal(redactUrl('postgres://app@db/app'), 'postgres://app@db/app');
    assert.equal(redactUrl('redis://cache:6379'), 'redis://cache:6379');
  });
  it('masks password-like query parameters', () => {
    assert.equal(redactUrl('postgres://db/app?sslmode=require&password=hunter2'), 'postgres://db/app?sslmode=require&password=***');
  });
});

describe('secretsInUrl', () => {
  it('returns the raw and the decoded password', () => {
    assert.deepEqual(secretsInUrl('redis://u:p%40ss@h'), ['p%40ss', 'p@ss']);
    assert.deepEqual(secretsInUrl('postgres://db/x?password=abc'), ['abc']);
    assert.deepEqual(secretsInUrl('postgres://u@db/x'), []);
  });
});

describe('scrub', () => {
  it('removes every known secret and any URL password from free text', () => {
    const text = 'failed for postgres://u:zz9@h/db using hunter2 and again hunter2';
    const out = scrub(text, ['hunter2']);
    assert.ok(!out.includes('hunter2'));
    assert.ok(!out.includes('zz9'));
    assert.match(out, /postgres:\/\/u:\*\*\*@h\/db/);
  });
  it('masks a longer secret whole even when it contains a shorter one', () => {
    assert.equal(scrub('x abcdefgh y', ['abcdefg', 'abcdefgh']), 'x *** y');
  });
  it('does not mask very short secrets in free text, where they would collide with words and reveal themselves', () => {
    assert.equal(scrub('PostgreSQL standby1 exit 0', ['s', '0']), 'PostgreSQL standby1 exit 0');
    assert.equal(scrub('see redis://:0@h:1', ['0']), 'see redis://:***@h:1');
  });
});

describe('scrubDeep', () => {
  it('scrubs string values only, so JSON stays valid whatever the password', () => {
    const doc = { exitCode: 123456, note: 'pw 123456 and postgres://u:123456@h/db', '123456': true };
    const out = scrubDeep(doc, ['123456']);
    assert.equal(out.exitCode, 123456);
    assert.equal(out.note, 'pw *** and postgres://u:***@h/db');
    assert.equal(out['123456'], true);
  });
});

describe('pgSourceError', () => {
  it("says a lost connection in plain words, not node-postgres' own", async () => {
    const { pgSourceError } = await import('../../src/sources/postgres/errors.js');
    const e = pgSourceError(new Error('Client has encountered a connection error and is not queryable'), '10.0.0.2:5432', '--replica', 5000, 'query');
    assert.equal(e.message, 'query on PostgreSQL at 10.0.0.2:5432 failed: the connection was lost');
    assert.equal(e.category, 'unreachable');
  });
});
