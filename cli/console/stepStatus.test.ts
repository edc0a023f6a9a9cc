import type { HistoryItem } from '../../console/consoleBackend';
import { stepStatusFrom } from './stepStatus';

const h = (type: string, state?: string, resource?: string): HistoryItem => ({ id: 0, type, timestampMs: 0, hasData: false, ...(state ? { state } : {}), ...(resource ? { resource } : {}) });

describe('stepStatusFrom', () => {
  it('a step that failed stays failed when a catch moves on', () => {
    const history = [
      h('TaskStateEntered', 'encounter'),
      h('TaskFailed'),
      h('TaskStateExited', 'encounter'),
      h('PassStateEntered', 'fallback'),
      h('PassStateExited', 'fallback'),
      h('ExecutionSucceeded'),
    ];
    expect(stepStatusFrom(history, 'SUCCEEDED')).toEqual({ encounter: 'failed', fallback: 'succeeded' });
  });

  it('a redrive that runs the failed step again to success marks it succeeded; a step failed and caught before stays failed', () => {
    const history = [
      h('TaskStateEntered', 'lookup'),
      h('TaskFailed'),
      h('TaskStateExited', 'lookup'),
      h('TaskStateEntered', 'encounter'),
      h('TaskFailed'),
      h('ExecutionFailed'),
      h('ExecutionRedriven'),
      h('TaskStateEntered', 'encounter'),
      h('TaskSucceeded'),
      h('TaskStateExited', 'encounter'),
      h('ExecutionSucceeded'),
    ];
    expect(stepStatusFrom(history, 'SUCCEEDED')).toEqual({ lookup: 'failed', encounter: 'succeeded' });
  });

  it('a redrive that fails the step again leaves it failed', () => {
    const history = [h('TaskStateEntered', 'encounter'), h('TaskFailed'), h('ExecutionFailed'), h('ExecutionRedriven'), h('TaskStateEntered', 'encounter'), h('TaskFailed'), h('ExecutionFailed')];
    expect(stepStatusFrom(history, 'FAILED')).toEqual({ encounter: 'failed' });
  });

  it('a callback task not yet answered is waiting', () => {
    expect(stepStatusFrom([h('TaskStateEntered', 'acknowledge.create'), h('TaskScheduled', undefined, 'arn:aws:states:::lambda:invoke.waitForTaskToken')], 'RUNNING')).toEqual({
      acknowledge: 'waiting',
    });
  });
});
