/**
 * npx tsx main/cloud-receiver/cli.ts --port 8900 [--db receiver.sqlite] [--host 127.0.0.1]
 *   [--token T] [--mqtt mqtt://127.0.0.1:1883 --mqtt-topic 'fieldline/#']
 * Prints one line, "listening <url>", on stdout once it accepts batches.
 */
import { parseArgs } from 'node:util';
import { createReceiver } from './receiver';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8900' },
    host: { type: 'string', default: '127.0.0.1' },
    db: { type: 'string', default: 'cloud-receiver.sqlite' },
    token: { type: 'string' },
    mqtt: { type: 'string' },
    'mqtt-topic': { type: 'string', default: 'fieldline/#' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be 0..65535, not ${values.port}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const receiver = await createReceiver({
    dbFile: values.db!,
    port,
    host: values.host,
    token: values.token,
    ...(values.mqtt ? { mqtt: { url: values.mqtt, topic: values['mqtt-topic']! } } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`listening ${receiver.url}\n`);
  const stop = () => {
    void receiver.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`cloud receiver: ${(error as Error).message}\n`);
  process.exit(1);
});
