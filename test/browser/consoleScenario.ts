/**
 * What the console's browser tests look at, made the way it happens in a clinic: the test acts as
 * the EHR writing to its FHIR server (the sandbox, over HTTP) and clinflow's real path does the rest
 * (notification → endpoint → bus → rule → workflow → tasks). Synthetic patients only.
 *
 *  - A discharge two days ago whose follow-up read of the Encounter hit a FHIR outage (503): the
 *    `discharge-follow-up` execution FAILED in its `encounter` step.
 *  - A critical potassium result: `abnormal-lab` waits in its `acknowledge` step on a care-team Task.
 *  - A medication order changed: `medication-reminders` planned and scheduled its reminders.
 */
import { potassiumObservation } from '../../sandbox/seedSynthetic';
import type { DevRig } from './browser.testkit';

const DAY = 86_400_000;
const ARN = 'arn:aws:states:us-east-1:000000000000';

export interface Scenario {
  patient: string;
  encounter: string;
  /** The discharge follow-up that failed in its `encounter` step. */
  failedArn: string;
  observation: string;
  /** The abnormal-lab run waiting on a person. */
  waitingArn: string;
  /** The FHIR Task the care team is asked to acknowledge. */
  task: string;
  order: string;
}

const onlyExecution = (rig: DevRig, workflow: string, status: string): string => {
  const out = rig.runtime.engine.listExecutions({ stateMachineArn: `${ARN}:stateMachine:clinflow-${workflow}`, statusFilter: status }) as { executions: { executionArn: string }[] };
  if (out.executions.length !== 1) throw new Error(`expected one ${status} ${workflow} execution, found ${out.executions.length}`);
  return out.executions[0]!.executionArn;
};

export async function buildScenario(rig: DevRig): Promise<Scenario> {
  const fhir = rig.runtime.ports.fhir;
  const seed = rig.runtime.sandbox?.seed;
  const patient = seed?.patients[0];
  const order = seed?.medicationRequests[0];
  if (!patient || !order) throw new Error('the sandbox seeded no patient or order');

  // Admitted, then discharged: the follow-up waits two days.
  const admitted = await fhir.create({
    resourceType: 'Encounter',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    subject: { reference: patient },
  });
  await rig.idle();
  await fhir.update({ ...admitted, status: 'finished' });
  await rig.idle();
  const encounter = `Encounter/${String(admitted.id)}`;
  // Two days later the FHIR server answers the follow-up's read with 503 (an outage).
  await rig.advance(2 * DAY - 60_000);
  rig.runtime.sandbox?.faults.failNext(1, { status: 503 });
  await rig.advance(60_000);
  const failedArn = onlyExecution(rig, 'discharge-follow-up', 'FAILED');

  // A critical potassium result for the same patient.
  const obs = await fhir.create(potassiumObservation(patient, 6.8, new Date(rig.clock.now()).toISOString()));
  const observation = `Observation/${String(obs.id)}`;
  await rig.idle();
  const waitingArn = onlyExecution(rig, 'abnormal-lab', 'RUNNING');
  const tasks = await fhir.search('Task', { focus: observation });
  if (tasks.length !== 1 || !tasks[0]?.id) throw new Error(`expected one care-team Task for ${observation}, found ${tasks.length}`);
  const task = `Task/${tasks[0].id}`;

  // The prescriber re-signs the order: its reminders are planned again.
  const current = await fhir.read(order);
  await fhir.update({ ...current });
  await rig.idle();
  return { patient, encounter, failedArn, observation, waitingArn, task, order };
}
