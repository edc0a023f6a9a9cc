/**
 * Runs the FHIR sandbox on its own: `npx tsx sandbox/main.ts [port] [notifyUrl notifySecret]`.
 * (`clinflow dev` starts it in-process together with the engine.)
 */
import { startSandbox } from './startSandbox';

async function main(): Promise<void> {
  const [port, notifyUrl, notifySecret] = process.argv.slice(2);
  const sandbox = await startSandbox({
    port: port ? Number(port) : 8090,
    ...(notifyUrl && notifySecret ? { notify: { url: notifyUrl, secret: notifySecret } } : {}),
  });
  process.stdout.write(`FHIR sandbox: ${sandbox.baseUrl}\nSMART token endpoint: ${sandbox.tokenUrl}\nseeded: ${sandbox.seed?.patients.join(', ') ?? 'nothing'}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
