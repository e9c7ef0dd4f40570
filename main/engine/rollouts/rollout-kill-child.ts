/**
 * The engine side of the SIGKILL test, in its own process: runs (or resumes) a campaign
 * over MQTT and prints `wave <n>` each time a wave starts, until it is killed.
 * Args: <dataDir> <brokerUrl> <deviceCount> <imageSeed>
 */
import { CampaignConfigSchema } from '../../../common/rollout-contract';
import { killTestDevices, killTestImage } from './rollout-kill-fixture';
import { startMqttRolloutEngine } from './rollout-test-engine';

async function main(): Promise<void> {
  const [dataDir = '', brokerUrl = '', count = '20'] = process.argv.slice(2);
  const image = killTestImage();
  const deviceIds = killTestDevices(Number(count));
  const e = await startMqttRolloutEngine({ dataDir, brokerUrl, deviceIds, image });
  if (e.engine.list().length === 0)
    e.engine.create(
      CampaignConfigSchema.parse({
        name: 'kill',
        firmware: { sha256: image.sha256, version: '1.1.0' },
        soakMs: 10_000,
        deviceTimeoutMs: 10_000,
      }),
      'test',
      'kill-release',
    );
  let last = -2;
  setInterval(() => {
    const wave = e.engine.get('kill-release').currentWave;
    if (wave !== last) {
      last = wave;
      process.stdout.write(`wave ${wave}\n`);
    }
  }, 5);
}

void main();
