#include "seal/signature_encode.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>

#include "core/error.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"
#include "seal/decode.hpp"

namespace sealbridge::seal {
namespace {

namespace der = crypto::der;

// The seal element itself: tokens pad data objects with zeros, which must not enter TBS_Sign.
byte_view seal_element(byte_view seal_der, seal_format want) {
  const seal s = decode_seal(seal_der);  // throws seal_invalid
  if (s.format != want)
    throw error(errc::bad_params, want == seal_format::gbt38540
                                      ? "a GB/T 38540 signature needs a GB/T 38540 (v4) seal"
                                      : "a GM/T 0031 signature needs a GM/T 0031 seal");
  der::reader r(seal_der, errc::seal_invalid);
  return r.next().whole;
}

void check_common(const signature_request& request) {
  if (request.data_hash.empty()) throw error(errc::bad_params, "empty data hash");
  if (!std::all_of(request.property_info.begin(), request.property_info.end(),
                   [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    throw error(errc::bad_params, "propertyInfo must be ASCII (IA5String)");
}

std::string_view algorithm_of(byte_view cert_der) {
  crypto::x509_ptr cert;
  try {
    cert = crypto::load_certificate(cert_der);
  } catch (const error&) {
    throw error(errc::bad_params, "unreadable signer certificate");
  }
  const EVP_PKEY* key = X509_get0_pubkey(cert.get());
  ERR_clear_error();
  if (key == nullptr) throw error(errc::bad_params, "signer certificate without a usable key");
  return crypto::scheme_oid(crypto::scheme_for_key(key));
}

sys_seconds seconds_of(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace

bytes encode_tbs_sign_v4(const signature_request& request) {
  check_common(request);
  const byte_view eseal = seal_element(request.seal_der, seal_format::gbt38540);
  return der::sequence({der::integer(4), eseal, der::generalized_time(seconds_of(request.time)),
                        der::bit_string(request.data_hash),
                        der::ia5_string(request.property_info)});
}

bytes encode_tbs_sign_v1(const signature_request& request) {
  check_common(request);
  const byte_view eseal = seal_element(request.seal_der, seal_format::gmt0031);
  const std::string_view alg = algorithm_of(request.signer_cert_der);
  // GM/T 0031 leaves the form of the time open; this is GeneralizedTime's text, unambiguous.
  const bytes time = der::generalized_time(seconds_of(request.time));
  const byte_view time_text = byte_view(time).subspan(2);
  return der::sequence({der::integer(1), eseal, der::bit_string(time_text),
                        der::bit_string(request.data_hash), der::ia5_string(request.property_info),
                        der::octet_string(request.signer_cert_der), der::oid(alg)});
}

bytes assemble_signature_v4(byte_view tbs_der, byte_view signer_cert_der, byte_view signature_der) {
  if (signature_der.empty()) throw error(errc::bad_params, "empty signature");
  return der::sequence({tbs_der, der::octet_string(signer_cert_der),
                        der::oid(algorithm_of(signer_cert_der)), der::bit_string(signature_der)});
}

bytes assemble_signature_v1(byte_view tbs_der, byte_view signature_der) {
  if (signature_der.empty()) throw error(errc::bad_params, "empty signature");
  return der::sequence({tbs_der, der::bit_string(signature_der)});
}

}  // namespace sealbridge::seal
