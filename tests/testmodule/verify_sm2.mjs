// An independent judge for SM2 signatures made by libsbtest-pkcs11.so: sm-crypto, a pure
// JavaScript SM2/SM3 implementation that shares no code with OpenSSL.
//
//   node verify_sm2.mjs <message-hex> <signature-hex> <public-key-hex> <raw|der> [user-id]
//
// The public key is 04||x||y in hex; the user ID defaults to "1234567812345678".
// Exit status: 0 valid, 1 invalid, 2 bad usage.
import smCrypto from 'sm-crypto';

const [messageHex, signatureHex, publicKeyHex, format, userId = '1234567812345678'] =
  process.argv.slice(2);

const isHex = (s) => typeof s === 'string' && s.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(s);
if (!isHex(messageHex) || !isHex(signatureHex) || !isHex(publicKeyHex) ||
    (format !== 'raw' && format !== 'der')) {
  console.error('usage: node verify_sm2.mjs <message-hex> <signature-hex> <public-key-hex> ' +
                '<raw|der> [user-id]');
  process.exit(2);
}

// A byte array, not a string: sm-crypto would read a string as UTF-8 text.
const message = Array.from(Buffer.from(messageHex, 'hex'));
let valid = false;
try {
  valid = smCrypto.sm2.doVerifySignature(message, signatureHex.toLowerCase(),
                                         publicKeyHex.toLowerCase(),
                                         { hash: true, der: format === 'der', userId });
} catch (e) {
  console.error(`verify_sm2: ${e.message}`);
}
process.exit(valid ? 0 : 1);
