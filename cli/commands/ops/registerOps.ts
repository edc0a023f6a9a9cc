import type { Command } from 'commander';
import type { SetExit } from '../registry';
import { registerAudit } from './auditCommand';
import { registerDlq } from './dlqCommand';
import { registerExecutions } from './executionsCommand';
import { registerReminders } from './remindersCommand';
import { registerTasks } from './tasksCommand';

/** The ops commands: executions, tasks, reminders, dlq, audit. */
export function registerOps(program: Command, setExit: SetExit): void {
  registerExecutions(program, setExit);
  registerTasks(program, setExit);
  registerReminders(program, setExit);
  registerDlq(program, setExit);
  registerAudit(program, setExit);
}
