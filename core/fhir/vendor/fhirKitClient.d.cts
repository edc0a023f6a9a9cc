// Types of the re-bundled CommonJS copy are the package's own.
export { Client, REQUEST_KEY, RESPONSE_KEY } from 'fhir-kit-client';
