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
  // Close the socket as soon as the answer is handed to the kernel. node would otherwise resume
  // reading to discard the rest of the refused body (another 64 KiB read per connection before
  // `destroySoon` lands, which 200 refused uploads turned into ~25 MB of RSS), and the answer
  // still reaches the client ahead of the reset (tested with fetch sending 5 MB to a 4 KiB limit).
  if (closeConnection) {
    const socket = res.socket;
    res.once('finish', () => socket?.destroy());
  }
}
