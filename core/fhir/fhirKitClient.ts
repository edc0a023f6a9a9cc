import createDebug from 'debug';

/**
 * fhir-kit-client, as the package ships it, with its logging switched off: it logs each request's
 * headers (the bearer token) and error bodies (PHI) to the `debug` namespaces `fhir-kit-client:*`
 * whenever DEBUG enables them, and DEBUG=* is a common thing to set while chasing something else.
 * Those namespaces are added to debug's skip list, which wins over any enable pattern;
 * core/fhir/fhirKitClient.test.ts runs a request under DEBUG=* and looks for the token on stderr.
 */
createDebug.enable([createDebug.disable(), '-fhir-kit-client:*'].filter(Boolean).join(','));

export { Client } from 'fhir-kit-client';
