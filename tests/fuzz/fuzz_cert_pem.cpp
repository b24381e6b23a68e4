// Fuzz target: the certificate a portal hands to cert.write (PEM text or DER, see
// api/cert_methods.cpp and service::write_certificate), and the PEM bundles of trusted roots:
// loading, splitting a bundle, reading it for display and checking a chain must give a value
// or error(cert_invalid), nothing else.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/x509_verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sealbridge::byte_view input{data, size};
  const auto at = sealbridge::sys_seconds{std::chrono::seconds{1767225600}};
  // service::write_certificate's first steps, before it needs a key.
  try {
    auto cert = sealbridge::crypto::load_certificate(input);
    auto der = sealbridge::crypto::certificate_der(cert.get());
    auto info = sealbridge::crypto::parse_certificate(der);
    if (!sealbridge::is_valid_utf8(info.subject) || !sealbridge::is_valid_utf8(info.issuer))
      __builtin_trap();
    (void)X509_get0_pubkey(cert.get());  // decodes the key write_certificate looks for
    sealbridge::crypto::prepare_for_verify(cert.get());
  } catch (const sealbridge::error&) {
  }
  // Trusted roots and intermediates come as PEM bundles.
  try {
    const auto all = sealbridge::crypto::certificates_der(input);
    if (all.empty()) __builtin_trap();  // documented to throw instead
    for (const auto& der : all) {
      try {
        (void)sealbridge::crypto::parse_certificate(der);
      } catch (const sealbridge::error&) {
      }
    }
    (void)sealbridge::crypto::verify_certificate(all.front(), all, all, at);
  } catch (const sealbridge::error&) {
  }
  return 0;
}
