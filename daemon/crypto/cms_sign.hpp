#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/digest.hpp"

// CMS SignedData (RFC 5652) made with a key that never leaves the token. We encode everything
// ourselves with the DER writer instead of going through OpenSSL's CMS code: OpenSSL 3.0
// always adds signingTime (PAdES forbids it) and cannot produce SM2 SignerInfos with the
// GM/T 0009 ID, while the structure below is small, fixed and needs only the public key.
//
// Output, for every key type:
//   ContentInfo{signedData, SignedData{version 1, {digestAlg}, {data[, content]},
//     certificates [0] (signer first in the input, DER-sorted in the SET), signerInfos {
//     SignerInfo{version 1, issuerAndSerialNumber, digestAlg, signedAttrs [0] {contentType,
//     messageDigest, signingTime (not with pades), signingCertificateV2}, signatureAlg, sig}}}}
// Algorithm identifiers:
//   RSA   digest SHA-256/384/512 (parameters absent, RFC 5754), signature rsaEncryption
//         1.2.840.113549.1.1.1 with NULL (RFC 3370 3.2; what OpenSSL, iText and most PDF signers
//         write, accepted by openssl cms, NSS/pdfsig and Acrobat).
//   ECDSA digest SHA-256/384/512, signature ecdsa-with-SHA256/384/512 (RFC 5758, no params).
//   SM2   digest SM3 1.2.156.10197.1.401, signature SM2-with-SM3 1.2.156.10197.1.501
//         (GM/T 0006), signature DER SEQUENCE{r, s} over SM3(Z || DER(signedAttrs)), default ID.
// signingCertificateV2 (RFC 5035) holds ESSCertIDv2{SHA-256 hash (algorithm omitted as the
// DEFAULT), issuerSerial}; for SM2 it holds the SM3 hash with the SM3 AlgorithmIdentifier
// written out, so that an SM2 signature depends on no non-SM algorithm (GM/T deployments
// require that) while staying valid RFC 5035.
namespace sealbridge::crypto {

struct external_signer {
  bytes certificate_der;
  std::vector<bytes> extra_certs_der;  // chain certificates to embed, any order
  // Signs `message` (the DER of the signed attributes) hashed with `digest`; returns RSA
  // PKCS#1 v1.5 signature bytes, ECDSA DER (raw r||s is accepted too), or SM2 DER (SM2: SM3
  // over Z||message with the default ID). Throws sealbridge::error on failure; it propagates
  // unchanged.
  std::function<bytes(byte_view message, digest_alg digest)> sign_message;
};

struct cms_options {
  digest_alg digest = digest_alg::sha256;  // SM2 keys: sm3 forced; sm3 with RSA/EC refused
  bool detached = true;                    // no encapsulated content
  bool pades = false;  // PAdES B-B: no signingTime attribute (the time goes in the PDF /M)
  std::optional<std::chrono::system_clock::time_point> signing_time;  // when !pades; default now
  // SM2 only. false (default): contentType/eContentType data 1.2.840.113549.1.7.1 and the
  // ContentInfo type signedData 1.2.840.113549.1.7.2, as PKCS#7 has them. Most Chinese PDF
  // and web signers write these, PDF /Contents parsers and OpenSSL/Bouncy Castle only
  // recognise these, and the SM2 algorithm identifiers already say which suite is used.
  // true: the GM/T 0010 identifiers data 1.2.156.10197.6.1.4.2.1 and signedData
  // 1.2.156.10197.6.1.4.2.2, for verifiers that follow GM/T 0010 to the letter.
  bool sm2_gm_oids = false;
};

// `content` present: the messageDigest is computed here, and the content embedded unless
// `options.detached`. `content_digest` present instead: used as the messageDigest (it must be
// digest_size() long), detached forced. Exactly one of the two must be given, else
// error(bad_params). The signer's signature is checked against the certificate before the
// result is returned: error(cert_mismatch) when it does not verify.
bytes build_signed_data(const external_signer& signer, const cms_options& options,
                        std::optional<byte_view> content,
                        std::optional<byte_view> content_digest = std::nullopt);

}  // namespace sealbridge::crypto
