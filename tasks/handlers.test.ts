import { openDatabase } from '../core/db/openDatabase';
import { taskCatalogue } from './catalogue';
import { createTaskHandlers } from './handlers';
import { createCallbackStore } from './human/callbackStore';

describe('task handler registry', () => {
  it('has exactly one handler for every catalogued task', () => {
    const db = openDatabase(':memory:');
    const handlers = createTaskHandlers({ callbacks: createCallbackStore(db) });
    expect([...handlers.keys()].sort()).toEqual([...taskCatalogue.keys()].sort());
    for (const h of handlers.values()) expect(typeof h).toBe('function');
    db.close();
  });
});
