#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"
#include "crypto/openssl_ptr.hpp"

// Certificate parsing and path validation at an explicit time. SM2-signed certificates need the
// distinguishing ID attached before OpenSSL 3.0 can check their signatures; this is the one
// place that knows it.
namespace sealbridge::crypto {

// DER, or PEM ("-----BEGIN CERTIFICATE-----"). Throws error(cert_invalid).
x509_ptr load_certificate(byte_view der_or_pem);
// Every certificate in a PEM bundle (or a single DER certificate), as DER. Throws
// error(cert_invalid) when none is found.
std::vector<bytes> certificates_der(byte_view der_or_pem);
bytes certificate_der(const X509* cert);
// Attaches the SM2 user ID when the certificate is signed with SM2-with-SM3; no-op otherwise
// (an ID on an RSA/ECDSA-signed certificate would make OpenSSL reject its signature).
void prepare_for_verify(X509* cert);

struct chain_verdict {
  bool ok = false;
  std::string reason;  // OpenSSL's text for the failure, empty when ok
};

// Validates `leaf` up to one of `trusted` (DER or PEM each) at time `at`, using `intermediates`
// as untrusted helpers. A trusted certificate need not be self-signed: an administrator may pin
// an intermediate CA, so partial chains are accepted.
chain_verdict verify_certificate(byte_view leaf, const std::vector<bytes>& trusted,
                                 const std::vector<bytes>& intermediates, sys_seconds at);

}  // namespace sealbridge::crypto
