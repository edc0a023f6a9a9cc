/** The ways into clinflow: FHIR notifications, FHIR polling, PutEvents over HTTP, health and metrics. */
export { createHttpServer, type TriggerHttpServer } from './http/createHttpServer';
export { createTriggerRouter, type TriggerDeps, type TriggerRouter } from './http/createTriggerRouter';
export { mergeRoutingAttributes } from './fhir/mergeRoutingAttributes';
export { FhirPoller, systemTimers, type Timers } from './fhir/fhirPoller';
export { runFhirNotificationConformance } from './conformance/runFhirNotificationConformance';
