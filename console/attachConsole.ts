import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createConsoleHandler, type ConsoleDeps, type ConsoleHandler } from './createConsoleHandler';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves the console at `/console` on an existing HTTP server; every other request goes to the server's own handlers unchanged. */
export function attachConsole(server: Server, deps: ConsoleDeps): { handler: ConsoleHandler; detach(): void } {
  const handler = createConsoleHandler(deps);
  const original = server.listeners('request') as Listener[];
  const listener: Listener = (req, res) => {
    if (handler.handle(req, res)) return;
    for (const l of original) l.call(server, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', listener);
  return {
    handler,
    detach() {
      handler.close();
      server.off('request', listener);
      for (const l of original) server.on('request', l);
    },
  };
}
