#include "service/seal_signing.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "seal/signature_encode.hpp"
#include "service/certificates.hpp"

namespace sealbridge::service {
namespace {

bool names_certificate(const seal::seal& decoded, const bytes& der) {
  if (std::find(decoded.certs.begin(), decoded.certs.end(), der) != decoded.certs.end())
    return true;
  for (const auto& d : decoded.cert_digests) {
    auto alg = crypto::digest_from_name(d.algorithm);
    if (alg && crypto::digest(*alg, der) == d.value) return true;
  }
  return false;
}

}  // namespace

seal_report find_seal(const token_access& key, const pkcs11::session& session,
                      const seal_policy& policy, std::string_view seal_id, sys_seconds now) {
  for (auto& report : list_seals_in(key, session, policy, now)) {
    if (report.id != seal_id) continue;
    if (!report.decoded)
      throw error(errc::seal_invalid, "seal " + std::string(seal_id) + ": " + report.decode_error);
    return std::move(report);
  }
  throw error(errc::object_not_found, "no seal with id " + std::string(seal_id) + " on the key");
}

std::optional<bytes> bound_certificate_id(const token_access& key, const seal::seal& decoded) {
  for (const auto& cert : read_certificates(key)) {
    if (names_certificate(decoded, cert.der)) return cert.id;
  }
  return std::nullopt;
}

bytes make_seal_signature(signing_key& key, const seal_report& seal, byte_view data_hash,
                          const std::string& property_info, sys_seconds time) {
  if (key.certificate().family != key_family::sm2)
    throw error(errc::not_supported, "seal signatures (GB/T 38540) are made with SM2 keys");
  seal::signature_request request;
  request.seal_der = seal.der;  // byte for byte as the key holds it
  request.time = time;
  request.data_hash = bytes(data_hash.begin(), data_hash.end());
  request.property_info = property_info;
  request.signer_cert_der = key.certificate().der;
  if (seal.decoded->format == seal::seal_format::gmt0031) {
    auto tbs = seal::encode_tbs_sign_v1(request);
    return seal::assemble_signature_v1(tbs, key.sign_sm2(tbs));
  }
  auto tbs = seal::encode_tbs_sign_v4(request);
  return seal::assemble_signature_v4(tbs, request.signer_cert_der, key.sign_sm2(tbs));
}

}  // namespace sealbridge::service
