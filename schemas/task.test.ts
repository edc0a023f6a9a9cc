import { taskFunctionArn, taskFunctionName, taskNameFromResource } from './task';
import { summarize } from './conformance';
import { taskCatalogue } from '../tasks/catalogue';

describe('task naming', () => {
  it('round-trips every catalogued task through its Lambda ARN', () => {
    expect(taskCatalogue.size).toBeGreaterThan(10);
    for (const name of taskCatalogue.keys()) {
      expect(taskNameFromResource(taskFunctionArn(name))).toBe(name);
      expect(taskNameFromResource(taskFunctionName(name))).toBe(name);
    }
  });
  it('names no task for a foreign ARN', () => {
    expect(taskNameFromResource('arn:aws:lambda:us-east-1:1:function:other')).toBeUndefined();
  });
});

describe('conformance summary', () => {
  it('counts by category and lists failures', () => {
    const s = summarize([
      { id: 'a', category: 'x', passed: true },
      { id: 'b', category: 'x', passed: false },
      { id: 'c', category: 'y', passed: true },
    ]);
    expect(s).toEqual({ total: 3, passed: 2, failed: 1, byCategory: { x: { total: 2, passed: 1, failed: 1 }, y: { total: 1, passed: 1, failed: 0 } }, failures: ['b'] });
  });
});
