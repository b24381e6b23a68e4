#include "api/signature_json.hpp"

#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "crypto/cert_info.hpp"

namespace sealbridge::api {

using nlohmann::json;

json signer_json(byte_view certificate_der) {
  try {
    auto info = crypto::parse_certificate(certificate_der);
    return json{{"subject", info.subject},
                {"issuer", info.issuer},
                {"serial", info.serial_hex},
                {"not_after", to_iso8601(info.not_after)}};
  } catch (const sealbridge::error&) {
    return json::object();
  }
}

json cms_verification_json(const crypto::cms_verification& result) {
  json out{{"kind", "CMS"},
           {"valid", result.signature_valid && result.digest_matches},
           {"trusted", result.chain_trusted},
           {"signer", signer_json(result.signer_cert_der)},
           {"digest_algorithm", result.digest_algorithm},
           {"signature_algorithm", result.signature_algorithm},
           {"errors", result.errors}};
  if (result.signing_time) {
    out["signed_at"] =
        to_iso8601(std::chrono::time_point_cast<std::chrono::seconds>(*result.signing_time));
  }
  return out;
}

}  // namespace sealbridge::api
