import Database from 'better-sqlite3';
import { GroupCommit } from './groupCommit';

describe('GroupCommit', () => {
  it('commits writes queued in one turn together, rolling back only a failing one', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER PRIMARY KEY)');
    let flushes = 0;
    const gc = new GroupCommit(db, (fn) =>
      setImmediate(() => {
        flushes += 1;
        fn();
      }),
    );
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const results = await Promise.allSettled([
      gc.commit(() => ins.run(1)),
      gc.commit(() => {
        ins.run(2);
        ins.run(1); // duplicate key: this write fails, and its row 2 must roll back with it
      }),
      gc.commit(() => ins.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((db.prepare('SELECT v FROM t ORDER BY v').all() as Array<{ v: number }>).map((r) => r.v)).toEqual([1, 3]);
    expect(flushes).toBe(1);
    db.close();
  });
});
