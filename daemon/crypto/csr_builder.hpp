#pragma once

#include <openssl/x509.h>

#include <string>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"
#include "crypto/sm2.hpp"

// PKCS#10 certificate requests whose signature is made elsewhere (on the key): OpenSSL builds
// and encodes the request, the caller signs the CertificationRequestInfo bytes and hands the
// signature back.
namespace sealbridge::crypto {

// A version-1 request for `subject` and `public_key`, without attributes or signature.
x509_req_ptr new_request(const X509_NAME* subject, EVP_PKEY* public_key);

// DER of the CertificationRequestInfo: the bytes the signature covers.
bytes request_info_der(X509_REQ* request);

// Sets the signature algorithm of `scheme` and the signature (PKCS#1 for RSA, DER
// SEQUENCE{r, s} for ECDSA and SM2).
void attach_signature(X509_REQ* request, sig_scheme scheme, byte_view signature);

bytes request_der(X509_REQ* request);
std::string request_pem(X509_REQ* request);

}  // namespace sealbridge::crypto
