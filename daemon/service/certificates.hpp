#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/cert_info.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

struct certificate_entry {
  bytes id;  // CKA_ID, which pairs the certificate with its private key
  std::string label;
  bytes der;
  crypto::certificate_info info;
  bool has_private_key = false;  // a key pair with this id is on the key
};

// Reads every X.509 certificate object of the key without logging in. A certificate that
// does not parse is skipped with a warning: one vendor's odd object must not hide the rest.
std::vector<certificate_entry> read_certificates(const token_access& key);

}  // namespace sealbridge::service
