import { stateNameDictionary } from './stateNameDictionary';

describe('stateNameDictionary', () => {
  it('numbers every state name of a definition, nested branches and item processors included, once each and in a stable order', () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Shared' }, Shared: { Type: 'Succeed' } } },
            { StartAt: 'B', States: { B: { Type: 'Map', ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, End: true } } },
          ],
          Next: 'Old',
        },
        Old: { Type: 'Map', Iterator: { StartAt: 'Shared', States: { Shared: { Type: 'Pass', End: true } } }, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const d = stateNameDictionary(definition);
    expect(d.names).toEqual(['Fan', 'A', 'Shared', 'B', 'Item', 'Old', 'Done']);
    expect([...d.index.entries()]).toEqual(d.names.map((n, i) => [n, i]));
    // The same definition text always gives the same numbering (readers rebuild it).
    expect(stateNameDictionary(JSON.parse(JSON.stringify(definition))).names).toEqual(d.names);
    expect(stateNameDictionary({}).names).toEqual([]);
    expect(stateNameDictionary(null).names).toEqual([]);
  });
});
