#pragma once

#include <filesystem>
#include <string>

#include "core/bytes.hpp"
#include "core/secret.hpp"

namespace sealbridge::tools {

struct import_request {
  std::filesystem::path module;  // must speak SM2 the test module's way (libsbtest-pkcs11.so)
  std::string token_label;
  secret pin;
  std::filesystem::path key;   // PEM private key on the SM2 curve
  std::filesystem::path cert;  // DER or PEM, for that key
  bytes id;                    // CKA_ID shared by the key pair and the certificate
  std::string label;
};

// Puts an SM2 key and its certificate on a token as a UKey vendor's enrolment tool does: the
// private key as CKK_VENDOR_SM2 with its scalar (the module derives the public half) and the
// certificate as CKO_CERTIFICATE, each in one C_CreateObject. Refuses a certificate for another
// key, and removes the key again when the certificate cannot be written.
void import_sm2_key(const import_request& request);

}  // namespace sealbridge::tools
