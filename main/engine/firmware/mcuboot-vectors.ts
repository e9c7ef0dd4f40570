/**
 * Real imgtool output, written literally (never produced by Fieldline's signer).
 * Source: the MCUboot bootutil fuzz harness (google fuzztest, arrays `img_out` and
 * `img_protected`), generated there by `imgtool sign -H 64 --pad-header` with MCUboot's
 * RSA-2048 development key; `img_protected` adds `--security-counter 42`.
 * Documented layout of img_out: TLV info at 192, SHA256 value at 200, KEYHASH value at
 * 236, RSA2048_PSS signature value at 272 (256 bytes).
 */
function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Version 4.4.6+0, 64-byte header, 128-byte payload, SHA256 + KEYHASH + RSA2048_PSS. */
export const IMGTOOL_RSA_IMAGE = fromHex(
  '3db8f39600000000400000008000000000000000040406000000000000000000' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    '0d5cc6555dda74d11e489111420c18ff0e273f4a4b5c940d426a1c87eb3ba3b6' +
    '678a749e78284e87fd7d35615030c0ac96dc3e240dec0339fe49e77ecb518630' +
    '0ba4c6f745af74c62df6629eec87de8267e1d1445802c1a4e62b7ab0e778c6d6' +
    '6d0b1cb029218f7729970a954f34cc0cc0949d71da75e7cb84bfd2c658a387bd' +
    '0769500110002000af357f64b8cc53cf7a57e0b3fcce71d3dfcce4d1e60135c9' +
    '3f749496fa2c508301002000fc5701dc6135e1323847bdc40f04d2e5bee5833b' +
    '23c29f93593d00018cfa99942000000119ee07691ceb9cf29bf3b10d641c6036' +
    '1aea31b499d912203e9d45cc65e65ab8fcc150fa8d002ef8dc9bc59db6b95591' +
    '4bbd0c53cacabc08318f70aec41307ffaef332167b635af02691747e83f1e59e' +
    '107c1f33722b684b03d8b07c32a0ca9bf92f429b5f13665d83aabef73ff1f3d9' +
    '0ba2c47de15605791a24b2212c00586d8b2183ab89fe963884606a1dc7701342' +
    '2fed27619a4d812e688bf4b6d783f75b3df253d04d2ce9ae209300a3d4d59544' +
    '64e405ff1ed149f762d7a9fe44e6f42434314160d7585e50f376303187d378c9' +
    '62827d62baaf9c572bd4354e5e7a793b8492a8e0500f3b4c611954899221b851' +
    '4ac147074b3454075f14eee2fe6ec13d',
);

/** Version 6.1.2+0 with a protected TLV area holding SEC_CNT = 42. */
export const IMGTOOL_RSA_IMAGE_WITH_SECURITY_COUNTER = fromHex(
  '3db8f3960000000040000c008000000000000000060102000000000000000000' +
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' +
    '1131d93510c14b8879ee634a1b9e36960fd60a39a842f24817cb2dede89a1565' +
    '59d5a1a2804faaab922142ea2c157d729639e67693a97f1aaa803eb58f50bb72' +
    '269c950175d74582cefc929ccf798d044e3aee4ed119d9b01b0276f2c7fd6e0d' +
    'bf5be16a078742acc9a5aca1eb10d621a95bfc5ce92b81cfac3bae15d76098c7' +
    '08690c00500004002a0000000769500110002000f4d02925dcf7c2a5748c0819' +
    'a9e66d66a7f24a3f9228aa9c06d59d2c7594cdf201002000fc5701dc6135e132' +
    '3847bdc40f04d2e5bee5833b23c29f93593d00018cfa9994200000017ada14d6' +
    'f91b7ce5cb28ffed78e52449cb69e43c5d6d1a1da8c1d564f1fa26f250a62b53' +
    'd27d5ccd76ccf76e0732cbb23fd695fb89ec4830f747f370fd4a57c2f2307d4c' +
    '79bd7fdb8b80bc76e2ebdfdf49e4c9ac052942875bc12647da1c4d0c98d8fa37' +
    'd8903ce2890af58bf40a634ae20587cbc4d27da987ceba41eb719f77cf53c1b7' +
    'c7f6e3011f0069592a9cb683c3c317788131dcfa9156fd1dcabcc045065f2caf' +
    'fba517ec81c7c70577ce413eb76b3aa84f91219e2682ca514c361e7b04cdadda' +
    'af35c44ae3671b3e1cef4b44fb6832737a68c8451352a3bd3257b8b9f6c2cd04' +
    '9b1d1f1a6689b6cc9f93094fdcc6f21adf76a8e1bf378d22434db2b8',
);
