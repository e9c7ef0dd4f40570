/**
 * ESP-IDF Secure Boot V2 test vectors, made outside Fieldline by a Python script that follows
 * espsecure.py `sign_secure_boot_v2` (esptool, espsecure/__init__.py) with the `cryptography`
 * package: the ESP32_APP image of esp-app-vectors.ts padded with 0xff to 4096 bytes, its
 * SHA-256, and one signature block laid out as `generate_ecdsa_signature_block`
 * (`<BBBx32sB64s64s1031x`: magic 0xe7, version 0x03, SHA-256 scheme 0, digest, curve id 2 =
 * P-256, public key X‖Y and signature r‖s each little-endian, micro-ecc order) or
 * `generate_rsa_signature_block` (`<BBxx32s384sI384sI384s`: magic 0xe7, version 0x02, digest,
 * modulus, exponent, R = 2^6144 mod n, M' = -n^-1 mod 2^32, RSA-PSS signature, big numbers
 * little-endian), then CRC32 (zlib) of those 1196 bytes and 16 zero bytes: 1216 bytes. The
 * signature sector is the blocks followed by 0xff up to 4096 bytes. Layout also in the ESP-IDF
 * docs, "Secure Boot V2", "Signature Block Format".
 */
import { ESP32_APP } from './esp-app-vectors';

/** SHA-256 of ESP32_APP padded with 0xff to 4096 bytes: the digest both blocks carry. */
export const SBV2_DIGEST = 'ccbdac798f7da281ee92415a871fd7e4a83367a8375294e36ae591058b3260f2';

/** The ECDSA P-256 public key that signed SBV2_ECDSA_BLOCK_HEAD. */
export const SBV2_ECDSA_PEM =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVBCTkcT8P3wgZumEwhJixT6rtH2T\nRh/q6UMtO2O+U3lWLRmvk6PCjCmRDWoJ4+aBoiPWhbn4NCR+L+1F8snuAw==\n-----END PUBLIC KEY-----\n';

/** The first 165 bytes of the ECDSA block (magic … signature); zeros follow up to byte 1196. */
export const SBV2_ECDSA_BLOCK_HEAD =
  'e7030000ccbdac798f7da281ee92415a871fd7e4a83367a8375294e36ae591058b3260f2027953be633b2d43e9ea1f46' +
  '937db4ab3ec56212c284e966207c3ffcc49193105403eec9f245ed2f7e2434f8b985d623a281e6e3096a0d91298cc2a3' +
  '93af192d5667dc56600e2f43495e52731dd1c5e3370f971d855e9dc94866c4b193d97ae097922dcbf86808f26589a4cb' +
  '5d7239f080f32427b38d26d513750cae56241c60a7';
/** CRC32 of the block's first 1196 bytes, little-endian. */
export const SBV2_ECDSA_BLOCK_CRC = '517525ca';

/** The RSA-3072 public key that signed SBV2_RSA_BLOCK. */
export const SBV2_RSA_PEM =
  '-----BEGIN PUBLIC KEY-----\nMIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAxRnVVMtoYVTW6rTipoTn\n4mxxe6YAv4hfCqFf6ouAiwS40OYrZ97w2LjidHUdSYzrBaPRCzdrJ2QK8cfVPul9\ntiQJ7YdXGHlmk11Gj1p64AZdGZa4M4VOPKYuRYVI+7D6E52ZvGWZ1fL+DMkF68EJ\nZAyHW4oWfsuzEGYNvmNmqiIQHn1NTaXlFNseOSOgykcWcVbUgQx1nWtI4gj99dbR\nz8QB+uwX8avJ8g3Jvrx5Yy2CvPb95QAtqnqeYF4DPlXKaCTEJRlI1GmeEPsp/97I\nmBY1omDF0tIQBush1YMOvhHB6wPmZqXGjVnOtUvSf9/Sp/Od8dxThazIj4OdyIz2\nWxW4sNzlJ+NG82VmL2EwVnWIhOb5cuEVg2mSGtEp00JKk8ZHJrew2l79ZofM2/rC\nObZl/URMY6jRkunDglludLpCjCKXuPKlokNt2XTTJ9KKUongBY550dyD7erznxKt\n4wbW4ZyUs4eaWKkhzuRRtALoCYW7iSnxno0H2aSMpxCjAgMBAAE=\n-----END PUBLIC KEY-----\n';

/** The RSA block's first 1200 bytes (with its CRC32); 16 zero bytes end it. */
export const SBV2_RSA_BLOCK =
  'e7020000ccbdac798f7da281ee92415a871fd7e4a83367a8375294e36ae591058b3260f2a310a78ca4d9078d9ef12989' +
  'bb8509e802b451e4ce21a9589a87b3949ce1d606e3ad129ff3eaed83dcd1798e05e089528ad227d374d96d43a2a5f2b8' +
  '97228c42ba746e5982c3e992d1a8634c44fd65b639c2fadbcc8766fd5edab0b72647c6934a42d329d11a92698315e172' +
  'f9e68488755630612f6665f346e327e5dcb0b8155bf68cc89d838fc8ac8553dcf19df3a7d2df7fd24bb5ce598dc6a566' +
  'e603ebc111be0e83d521eb0610d2d2c560a2351698c8deff29fb109e69d4481925c42468ca553e035e609e7aaa2d00e5' +
  'fdf6bc822d6379bcbec90df2c9abf117ecfa01c4cfd1d6f5fd08e2486b9d750c81d456711647caa023391edb14e5a54d' +
  '4d7d1e1022aa6663be0d6610b3cb7e168a5b870c6409c1eb05c90cfef2d59965bc999d13fab0fb4885452ea63c4e8533' +
  'b896195d06e07a5a8f465d936679185787ed0924b67de93ed5c7f10a64276b370bd1a305eb8c491d7574e2b8d8f0de67' +
  '2be6d0b8048b808bea5fa10a5f88bf00a67b716ce2e784a6e2b4ead6546168cb54d519c50100010050bed8409e476c2e' +
  '04f0b7b88ac7505c0bcdd805779f5cc7d464141f0b4058760d3c270a124e8011dc5cecf8644566aab27f37d64a9f75c7' +
  '9181710546a35aed5f736d80e47b01d526ceeb3f9ef265e7689f04a79cc98fcca44041468280ab8145f0d10a4572ec2f' +
  '15210680dd795b24817a70016f5c0612dddeef870c7af6a4c83c8a951c9d61de592b9e527c785378905ebd5af4463b86' +
  'a3321bcf4460f0617e56a40d2630bf20ff730e71a93b3356deb2109c139d483d078d7c2916e99c914b46fa1789524759' +
  '8bd07e22540c5cd27e71e0fde00bc6a5ebf1f5c35b3032bbaa3e49b636b095bf632c1678eebe062cbd4d96076bd17175' +
  '8e5c841d105ac02014bd28c663f7802d94e310226e87a1209eda0c3bf5d0c1b1ad03bcb3f7ce5ab37ebc2b07ee844bf6' +
  'c960d13dcf03da50d3cf4ae8954587865bb2d74c437470eb8e21991b380e20c75a3dc0b46b25c72274d33038b7ccacdf' +
  'f06ecc3b6b16dde9697f04651f4fd381b4ab021f972f62552a5953205ed4db980fb034d94cb75483f5dcfb961172b433' +
  '814c65bbb4c61a58896f8e9004d639a9bed4c67b0a8d52b1233aff47201cda2e1dbd7b31a6e0026e2858f019d073e924' +
  '5617765775783eb21ba18f81ad058ec536bf78f915f6eed579e765eea9c4a79f6e273db7e1f39ca6699a467316618ca0' +
  '91d584c6c1c48cd5872b9d6bad69177d3c0c3041b165f22ab6679e3f9bef11dca6c3ad3a57d96b730f9ee5511104686f' +
  'd9b26e4da6c0d37f5fb85d3e57b203c59d15d8678219cd14bd874c8bd6def6996b5a0af2eb7b6bd639339e73d1782b37' +
  '7c7027ecc3f5b3cbaae566c51f35979317a59f4186842d2b39ca1ba245450ef9b73bc8e4c80327bd4ced9919f0236072' +
  '480c3721ea65456ced75b24f907a079c3146360ecaaa645ca04430f483e6aee7b6879d123a9fa4d94fc6ee7b9ef00431' +
  'e5d3da3a9df14a622f4e631cfe732f2f8538db9a6253f9aacacb62be2258eb9f90bf5cbf5926fc4f63ad7e89f1698e7d' +
  'bb2463df6114d8d82cd03050d767ad28b8f66e3d18b4ce2e1f68927d0afd83c896d624097fa66f5cec648e34a4e89a2c';

/** ESP32_APP, 0xff to 4096, then the sector: the blocks, 0xff to 4096 (espsecure sign_secure_boot_v2). */
export function signedWith(...blocks: Buffer[]): Uint8Array {
  const contents = Buffer.concat([ESP32_APP, Buffer.alloc(4096 - ESP32_APP.length, 0xff)]);
  const sector = Buffer.alloc(4096, 0xff);
  blocks.forEach((b, i) => {
    b.copy(sector, i * 1216);
  });
  return Buffer.concat([contents, sector]);
}
export const ecdsaBlock = () =>
  Buffer.concat([
    Buffer.from(SBV2_ECDSA_BLOCK_HEAD, 'hex'),
    Buffer.alloc(1196 - 165),
    Buffer.from(SBV2_ECDSA_BLOCK_CRC, 'hex'),
    Buffer.alloc(16),
  ]);
export const rsaBlock = () => Buffer.concat([Buffer.from(SBV2_RSA_BLOCK, 'hex'), Buffer.alloc(16)]);

/**
 * A fixed RSA-3072 private key (openssl genpkey) for the test signer's round trips: generating
 * one takes seconds on a busy machine. A test key, signing nothing but test images.
 */
export const TEST_RSA_3072_PRIVATE_PEM = `-----BEGIN PRIVATE KEY-----\n${(
  'MIIG/gIBADANBgkqhkiG9w0BAQEFAASCBugwggbkAgEAAoIBgQCXK8XxZRmdOYHx' +
    'DvTPHh0WBopnH+R7NqXia+2FEcQ5GFRXwqvFDvDfJp7cvuumoxZlQ84vUqMfUmCd' +
    'QZoU66V4yQ265/zga9N7XpCvtqAB/F919XLKjlf2CkdxRpBIk7H/REBJrfNRjMwP' +
    'qeeqYdNT6HNrUzUnfBm1x+iDbXbz1y8MM+YLxSC67m/kGSZTQeJuC62ToR8tDrqJ' +
    'dLfeq7jZ0T65Y+sgnsYU994d7Sw8+UjUQ0Anj/3HaRnMwlZQft7tqs2UNwbJ5W3S' +
    '55R7USsPtu16lTMYYVSntFtDBBL/dBiwC/oiSpHLL0GgutPILAOpfB1b6IWOiVBR' +
    'fZfzD/MpaXsY6MSHcCzweZGb1hpwVYEXyZuFp1TDiFGQNkZKVodWCHUSmgdE0U3G' +
    '4W6REjOfweq5K5Zox0LiBz6Hik/xRmUBRBwO7Db4unzqMe2aqH4h2AI26ez3Iagb' +
    '2T5a6VQtopfL9qFA//s/+tE9/E0IrHhxYIt/iSPVnNgazRAbwokCAwEAAQKCAYAB' +
    'HVgREXngwwIfRJAviP0yIrZuwceN1QWnbryDRQAnuIFs68kXxzSJBDypL1lqksrS' +
    '7P0siUNWbB5LXFF3+AVHUmGEiSxACut9DGHI8sc3ePnnNt2JCQdtq/5lv8Dj7XAx' +
    'i/pIe3XA0y3xHWcKODzg/rocBpZCFGJIJWakfP54GD7ccywuDyXs9143K1b4OYTq' +
    'cT/SuZ4vHk92BDih9cn1PoZHihr0RhBQf+57qqwg8S/TgboZ7QVQkIjSf5E4BoBU' +
    '8qAs5DkbgwTXKGzDDOxNbOI6MK0jvDWD6wPky8qmhU/TcdcTRX5t4ZgOVTZbyoHv' +
    '8ZIT0XH2gwWhCceOGuRNimixEUkSEjZN5LOG6Fjec2qG6BDHm0Ml+4+b/xNZWrRp' +
    'lJUJf3sBk12n7smrZ/uo8fJvJHd/VnNibIf+SB55SHy2jSTvl1/pgcW+KZnEg+CQ' +
    'MfvDsVGtdZviDLQuMAzrcN60pLLJ7Utf5wfQiwbaGNmWYVI4m48QwBqL0JhgIxEC' +
    'gcEAzHdxANv2X/n6l+kzOUaaY4uUAu09rJ0nbwSm4kir43O93X8W2qNtWXb23Ngk' +
    'Qi47pjKq3cZyIz3mOtLq1rm4v4NUKRbjXdaduiHZbIr5uEG+MNp4EuPB5NhlegPy' +
    'bbcYeb9PKcXF9D3O82QqPz8sV/b59DFt70D/Lu7L5CLYWsjJsPjz0o/Y4N5LEF1E' +
    'p6pmfUCK9SKyliu+mul6IVQsL3A6MukbgUox6n5QAgz+c7WO2mUPwblU41ZojJSu' +
    'G6CFAoHBAL1Fmmc7ZVGKufNGPJG7y2kzeuwFyjtuR2hSF7kEr/6Hy0Og66NqMzJt' +
    'vpbyn+wxBO8BCIIJHaAaipvHB1oGbYOZRS0M9v0gGbj1jAInC3VZ0kVzRy0L7gnP' +
    '3bkQW0lQ+RlUpxLg0ggnHyGpRb9Rq0FKW2JBdOzO0IKTyFNoPoMWERSQLp2OuVYg' +
    '/gauBfO14ifsEy7WsJPYEC6CoNig/WjLGWWRcYWCHuB8Ph6WNn/ubTSrOjRc5vnH' +
    'bS9u2VebNQKBwQCWbwKLWUrpzmgbQI5Zg6KvvtAFXztTNsT+n3ORZVpiHJQC1TCh' +
    'aEBZ5Hc4gSYcMxvb6cdhKFJtr2smuGvj0/0jmqJfIOHj9rVRbvojLBUTBfvCwdo6' +
    'O6w6jSQMI79IDcBKQwEhgMtmKduLo5SZuAcOKT459ewmbbHSfAszLJf2I2iRdnkd' +
    '4Iv21lZwEc8jdPG3EberJ/4xErpIC6O5xc5EkNOhBXUhKM+U8Z44BAtqYphaAqUX' +
    'KR5VrQt68yEuXmkCgcB/j45tbrltSGrki3y8121THJAGzCws+7kClPlKB9+5Urnq' +
    'fWTygNu6a/5ca27e13a0weSDBzPBOMIcFPpecSCT5dOadjdsB5tubYcL2Fa/o2a0' +
    'yem5cWXflQmg9WYgtoL70HK9pWnIdt1jaVsJgzhBS6TlRqpQA17B8mm71PD0lgWy' +
    '7y2LoKpGYvvxco2uX/Ho6BFRqv3c1mype/59oZrIasFWE70HtteqgfG32ZMni4Bs' +
    'U85phgdhZkevBS1T/tUCgcEAk1RxHf/uY1djf07MM1XLFKxPGQIMejZhf0zzpyX5' +
    'CTQUA9FrJ75v4iRAWqDyE6zavfVLFVRG26XRQhg7A+QHO8Pnjf76Yv7paV2sxXOC' +
    'uPFlXsWdozw8hRQqFP4F3w94fxJGAdq3g2PuPFS6alCmX/ihB1JQTK0b9Lu1nyzj' +
    '5WSzFwZxHT75kzGGOipAETkBhnzQqWpzOohrq6HJgEJ2hI8Qvp+hMR68VxBywVfp' +
    'KNVftOz+sHKTPpJaAdNL0DDY'
).replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
