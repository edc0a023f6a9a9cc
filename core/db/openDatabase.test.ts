import { ensureSchema, openDatabase } from './openDatabase';

describe('ensureSchema', () => {
  it('applies each migration once, in order', () => {
    const db = openDatabase(':memory:');
    ensureSchema(db, 'demo', ['CREATE TABLE a (x INTEGER)']);
    ensureSchema(db, 'demo', ['CREATE TABLE a (x INTEGER)', 'ALTER TABLE a ADD COLUMN y TEXT']);
    ensureSchema(db, 'demo', ['CREATE TABLE a (x INTEGER)', 'ALTER TABLE a ADD COLUMN y TEXT']);
    const cols = db.prepare("SELECT name FROM pragma_table_info('a')").all() as { name: string }[];
    expect(cols.map((c) => c.name)).toEqual(['x', 'y']);
  });
});
