#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"

// Verifies CMS / PKCS#7 SignedData made by anyone: RSA, ECDSA and SM2 (PKCS#7 or GM/T 0010
// content-type OIDs), with or without signed attributes, attached or detached, as PDFs carry
// it (adbe.pkcs7.detached, ETSI.CAdES.detached; /Contents zero padding is accepted). Parsed
// with our DER reader, not OpenSSL's CMS, which knows no SM2 ID and refuses odd vendor
// encodings. Only the first SignerInfo is checked.
namespace sealbridge::crypto {

struct cms_verification {
  bool signature_valid = false;  // signer signature over the signed attributes (or content)
  bool digest_matches = false;   // messageDigest equals the digest of the content
  bool chain_trusted = false;    // signer certificate chains to one of the roots at `at`
  bytes signer_cert_der;
  std::string signer_subject;  // RFC 2253, UTF-8
  std::optional<std::chrono::system_clock::time_point> signing_time;
  std::string digest_algorithm;     // "SHA-256", "SHA-384", "SHA-512", "SM3", "SHA-1"
  std::string signature_algorithm;  // "RSA", "ECDSA", "SM2"
  // Stable codes, one per failed check: "SIGNER_NOT_FOUND", "UNSUPPORTED_ALGORITHM",
  // "NO_CONTENT", "CONTENT_TYPE_MISMATCH", "MESSAGE_DIGEST_MISSING", "DIGEST_MISMATCH",
  // "SIGNING_CERTIFICATE_MISMATCH", "SIGNATURE_INVALID", "UNTRUSTED".
  std::vector<std::string> errors;
  std::string detail;  // technical reasons for the failed checks, for logs

  bool ok() const { return errors.empty(); }
};

// Feeds the content to `sink` in chunks, e.g. a PDF's two byte ranges.
using content_feeder = std::function<void(const std::function<void(byte_view)>& sink)>;

// `feed_content` may be empty when the content is embedded; when given it is used even if
// content is embedded. Never throws for a signature that does not verify; throws
// error(signature_invalid, "<what> at offset N") when `cms_der` is not a readable SignedData.
cms_verification verify_signed_data(byte_view cms_der, const content_feeder& feed_content,
                                    const std::vector<bytes>& trusted_roots_der,
                                    std::chrono::system_clock::time_point at);

// The same with the whole content at hand.
cms_verification verify_signed_data(byte_view cms_der, byte_view content,
                                    const std::vector<bytes>& trusted_roots_der,
                                    std::chrono::system_clock::time_point at);

}  // namespace sealbridge::crypto
