import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TriggerConfig, type TriggerConfigInput } from '../../schemas/triggerConfig';
import { HttpProblem } from './httpProblem';
import { sendProblem } from './respond';
import { type TriggerDeps, type TriggerRouter, createTriggerRouter } from './createTriggerRouter';

export interface TriggerHttpServer {
  server: Server;
  router: TriggerRouter;
  /** Listens (port 0: a free one) and starts the background work (polling, dedupe purge). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Graceful shutdown: stop accepting, let in-flight requests finish (up to the grace period), stop polling, close. */
  close(): Promise<void>;
}

/** The trigger endpoints on their own node:http server. `config` is validated with schemas/triggerConfig. */
export function createHttpServer(configInput: TriggerConfigInput, deps: TriggerDeps): TriggerHttpServer {
  const config = TriggerConfig.parse(configInput);
  const router = createTriggerRouter(config, deps);
  // A client that stalls mid-headers or mid-body must not hold a connection forever. node checks
  // the two timeouts every `connectionsCheckingInterval` (30 s by default, which made a 10 s
  // header timeout fire after ~30 s): check often enough for them to fire on time.
  const server = createServer(
    { connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(config.headersTimeoutMs / 10))), headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs },
    (req, res) => {
      if (!router.handle(req, res)) sendProblem(res, new HttpProblem(404, 'not-found', 'no such endpoint'), !req.readableEnded);
    },
  );
  server.maxConnections = config.maxConnections;
  let closing: Promise<void> | undefined;

  return {
    server,
    router,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          router.start();
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        router.drain();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Real elapsed time, not the injected clock: a simulated clock must not stall shutdown.
        const deadline = performance.now() + config.shutdownGraceMs;
        // Poll rather than hook each response: shutdown is rare and this keeps the router simple.
        while (router.inFlight() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        server.closeAllConnections();
        await router.stop();
        await closed;
      })()),
  };
}
