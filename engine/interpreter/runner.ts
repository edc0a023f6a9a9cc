/**
 * One step of the interpreter: applies an event to the execution state, then runs every frame that
 * can make progress until each is blocked on a task, a timer or its children. Mutates the state it
 * is given (the shell persists the frames listed in changedFrames/removedFrames).
 */
import { runtimeFailure } from './failures';
import type { ExecFrame } from './frames';
import type { StateDef } from './machine';
import * as containers from './mapParallel';
import { RunnerCore, type MaybePromise } from './runnerCore';
import * as simple from './simpleStates';
import * as tasks from './taskState';

export class Runner extends RunnerCore {
  override execState(f: ExecFrame, st: StateDef): MaybePromise {
    switch (st.Type) {
      case 'Pass':
        return simple.execPass(this, f, st);
      case 'Task':
        return tasks.startTask(this, f, st);
      case 'Choice':
        return simple.execChoice(this, f, st);
      case 'Wait':
        return simple.execWait(this, f, st);
      case 'Succeed':
        return simple.execSucceed(this, f, st);
      case 'Fail':
        return simple.execFail(this, f, st);
      case 'Parallel':
        return containers.startParallel(this, f, st);
      case 'Map':
        return containers.startMap(this, f, st);
      default:
        throw runtimeFailure(`Unsupported state type '${st.Type}'`);
    }
  }

  override childEnded(child: ExecFrame): void {
    containers.childEnded(this, child);
  }

  waitElapsed(f: ExecFrame): Promise<void> {
    return simple.waitElapsed(this, f);
  }

  taskSucceeded(f: ExecFrame, output: unknown): Promise<void> {
    return tasks.taskSucceeded(this, f, output);
  }

  taskFailed(f: ExecFrame, error: string, cause: string | undefined): Promise<void> {
    return tasks.taskFailed(this, f, error, cause);
  }

  taskTimedOut(f: ExecFrame, heartbeat: boolean): Promise<void> {
    return tasks.taskTimedOut(this, f, heartbeat);
  }

  redrive(f: ExecFrame): Promise<void> {
    return containers.redriveFrame(this, f);
  }

  taskHeartbeat(f: ExecFrame): void {
    tasks.taskHeartbeat(this, f);
  }
}
