#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/cert_info.hpp"
#include "service/private_keys.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

struct certificate_entry {
  bytes id;  // CKA_ID, which pairs the certificate with its private key
  std::string label;
  bytes der;
  crypto::certificate_info info;
  key_presence private_key = key_presence::unknown;  // of the key pair with this id
};

// Reads every X.509 certificate object of the key without logging in. A certificate that
// does not parse is skipped with a warning: one vendor's odd object must not hide the rest.
// private_key is present when the private key, or a public key with the same CKA_ID, is
// visible; absent only when every private key is visible (logged in, a key that needs no
// login) or a login on this key showed none with that id since it was plugged in; else unknown.
std::vector<certificate_entry> read_certificates(const token_access& key);

}  // namespace sealbridge::service
