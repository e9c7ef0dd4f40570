/**
 * The simulated device's SMP server fed hostile packets through the serial framing: it
 * must answer or stay silent, never crash, and still answer an echo afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTestImage } from './mcuboot-test-image';
import { SimulatedMcubootDevice } from './simulated-mcuboot-device';
import { decodeBody } from './smp-cbor';
import { encodeSerialFrame, SerialFrameDecoder } from './smp-serial-framing';
import type { ByteLink } from './smp-transport';

/** `writeDoneMs`: the device's UART write completes this long after the bytes are out (a slow TX drain) */
function memoryDevice(bufCount?: number, writeDoneMs = 0) {
  const listeners = new Set<(b: Uint8Array) => void>();
  const answers: Uint8Array[] = [];
  const decoder = new SerialFrameDecoder((p) => answers.push(p));
  const link: ByteLink = {
    async write(bytes) {
      decoder.push(bytes);
      if (writeDoneMs) await new Promise((r) => setTimeout(r, writeDoneMs));
    },
    onData(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const device = new SimulatedMcubootDevice(link, {
    initialImage: buildTestImage(new Uint8Array(64), { major: 1, minor: 0, revision: 0 }),
    bufCount,
  });
  const send = (packet: Uint8Array) => {
    for (const l of listeners) l(encodeSerialFrame(packet));
  };
  return { device, answers, send };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
// v2 echo "hello" (smp_protocol.rst header + smp_group_0.rst echo body), as in the framing vector
const ECHO = Uint8Array.from(Buffer.from('0a00000900000000a161646568656c6c6f', 'hex'));

describe('simulated MCUboot device against hostile packets', () => {
  it('answers the echo vector with a v2 write response carrying {"r": "hello"}', async () => {
    const { answers, send } = memoryDevice();
    send(ECHO);
    await settle();
    const [reply] = answers;
    // smp.c: WRITE → WRITE_RSP (op 3), version kept at 2, group/seq/id echoed; body a1 61 72 65 "hello" = 9 bytes
    expect(reply?.subarray(0, 8)).toEqual(Uint8Array.of(0x0b, 0, 0, 9, 0, 0, 0, 0));
    expect(decodeBody(reply?.subarray(8) ?? new Uint8Array())).toEqual({ r: 'hello' });
  });

  it('frees a request buffer once its answer is built, not once the answer has drained', async () => {
    // Zephyr's smp.c frees the request netbuf after handling it; the answer has its own buffer.
    // A client keeping buf_count - 1 requests in flight sends the next one on an answer.
    const { answers, send } = memoryDevice(2, 50);
    send(ECHO);
    await settle();
    expect(answers).toHaveLength(1);
    send(ECHO);
    send(ECHO);
    await new Promise((r) => setTimeout(r, 200));
    expect(answers).toHaveLength(3);
  });

  it('any packet gets an answer or silence, and the device keeps answering (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 120 }),
            // a valid-looking header for each known group/id, with a random body
            fc
              .tuple(
                fc.integer({ min: 0, max: 3 }),
                fc.integer({ min: 0, max: 1 }),
                fc.constantFrom(0, 1, 5, 6),
                fc.uint8Array({ maxLength: 60 }),
              )
              .map(([op, group, id, body]) =>
                Uint8Array.from([
                  0x08 | op,
                  0,
                  body.length >> 8,
                  body.length & 0xff,
                  0,
                  group,
                  7,
                  id,
                  ...body,
                ]),
              ),
          ),
          { maxLength: 8 },
        ),
        async (packets) => {
          const { answers, send } = memoryDevice();
          for (const p of packets) send(p);
          await settle();
          answers.length = 0;
          send(ECHO);
          for (let i = 0; i < 5 && answers.length === 0; i++) await settle();
          expect(answers.map((a) => decodeBody(a.subarray(8)))).toContainEqual({ r: 'hello' });
        },
      ),
      { numRuns: 300 },
    );
  });
});
