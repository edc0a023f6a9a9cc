import type { ResourceKind } from '../desired';
import { busOps } from './bus';
import { functionOps } from './function';
import { logGroupOps } from './logGroup';
import { queueOps } from './queue';
import { roleOps } from './role';
import { ruleOps } from './rule';
import { scheduleOps } from './schedule';
import { scheduleGroupOps } from './scheduleGroup';
import { stateMachineOps } from './stateMachine';
import { tableOps } from './table';
import type { ResourceOps } from './types';

export const resourceOps: { [K in ResourceKind]: ResourceOps<K> } = {
  role: roleOps,
  queue: queueOps,
  logGroup: logGroupOps,
  bus: busOps,
  table: tableOps,
  function: functionOps,
  stateMachine: stateMachineOps,
  scheduleGroup: scheduleGroupOps,
  rule: ruleOps,
  schedule: scheduleOps,
};
