import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

/** The AWS SDK v3 clients deploy uses; tests replace their transports with aws-sdk-client-mock. */
export interface AwsClients {
  sfn: SFNClient;
  events: EventBridgeClient;
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  iam: IAMClient;
  sqs: SQSClient;
  logs: CloudWatchLogsClient;
  sts: STSClient;
  dynamodb: DynamoDBClient;
}

export function createAwsClients(region: string): AwsClients {
  const cfg = { region, maxAttempts: 5 };
  return {
    sfn: new SFNClient(cfg),
    events: new EventBridgeClient(cfg),
    scheduler: new SchedulerClient(cfg),
    lambda: new LambdaClient(cfg),
    iam: new IAMClient(cfg),
    sqs: new SQSClient(cfg),
    logs: new CloudWatchLogsClient(cfg),
    sts: new STSClient(cfg),
    dynamodb: new DynamoDBClient(cfg),
  };
}

/** True when an SDK error is one of the "does not exist" exceptions. */
export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name ?? '';
  return ['ResourceNotFoundException', 'ResourceNotFound', 'NoSuchEntityException', 'StateMachineDoesNotExist', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NotFoundException'].includes(name);
}
