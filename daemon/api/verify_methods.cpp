#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/seal_json.hpp"
#include "api/signature_json.hpp"
#include "core/iso_time.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/cms_verify.hpp"
#include "crypto/digest.hpp"
#include "crypto/x509_verify.hpp"
#include "seal/decode.hpp"
#include "seal/verify.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A CMS ContentInfo starts SEQUENCE { OBJECT IDENTIFIER ...; an SES_Signature starts
// SEQUENCE { SEQUENCE (TBS_Sign) ...: the second tag tells them apart.
bool looks_like_cms(byte_view der) {
  if (der.size() < 4 || der[0] != 0x30) return false;
  std::size_t at = 1;
  if (der[at] & 0x80) at += der[at] & 0x7f;
  ++at;
  return at < der.size() && der[at] == 0x06;
}

json verify_ses_signature(services& s, byte_view der, const std::optional<bytes>& data) {
  auto doc = seal::decode_signature(der);
  json out{{"kind", "SES_Signature"},
           {"version", doc.version},
           {"signed_at", to_iso8601(doc.time)},
           {"property_info", doc.property_info},
           {"data_hash", to_hex(doc.data_hash)}};
  std::vector<std::string> errors;
  if (!seal::verify_signature_document(doc)) errors.emplace_back("SIGNATURE_INVALID");
  if (data) {
    // GB/T 38540 signs SM3 of the document part.
    if (crypto::digest(crypto::digest_alg::sm3, *data) != doc.data_hash)
      errors.emplace_back("DIGEST_MISMATCH");
  }
  out["signer"] = signer_json(doc.signer_cert);
  auto chain = crypto::verify_certificate(doc.signer_cert, s.signing_roots, {}, doc.time);
  out["trusted"] = chain.ok;
  if (!chain.ok) errors.emplace_back("UNTRUSTED");
  // The seal as it was when stamped, bound to the signer's certificate or not.
  auto report =
      service::inspect_seal(doc.eseal.encoded, s.seal_policy, doc.time, {doc.signer_cert});
  out["seal"] = seal_json(report, doc.time);
  if (!report.verification.ok()) errors.emplace_back("SEAL_NOT_VALID");
  out["valid"] = std::find(errors.begin(), errors.end(), "SIGNATURE_INVALID") == errors.end() &&
                 std::find(errors.begin(), errors.end(), "DIGEST_MISMATCH") == errors.end();
  out["errors"] = errors;
  return out;
}

}  // namespace

void add_verify_methods(dispatcher& table, services& s) {
  // sign.verify: a CMS/PKCS#7 or GB/T 38540 (or GM/T 0031) SES_Signature from anyone.
  table.add("sign.verify", [&s](const json& params, const call_context&) {
    auto der = required_base64(params, "signature");
    auto data = optional_base64(params, "data");
    if (!looks_like_cms(der)) return verify_ses_signature(s, der, data);
    auto result = data ? crypto::verify_signed_data(der, *data, s.signing_roots, now_seconds())
                       : crypto::verify_signed_data(der, crypto::content_feeder{}, s.signing_roots,
                                                    now_seconds());
    return cms_verification_json(result);
  });
}

}  // namespace sealbridge::api
