import type { ServerResponse } from 'node:http';
import { type HttpProblem, operationOutcome } from './httpProblem';

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers with the problem's OperationOutcome. Closes the connection when the body was not read to the end. */
export function sendProblem(res: ServerResponse, problem: HttpProblem, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, problem.status, operationOutcome(problem), 'application/fhir+json', {
    ...problem.headers,
    ...(closeConnection ? { Connection: 'close' } : {}),
  });
  // node would otherwise keep reading (and discarding) the rest of a refused body until the
  // client stops sending: close the socket once the answer is written.
  if (closeConnection) res.once('finish', () => res.socket?.destroySoon());
}
