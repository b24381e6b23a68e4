#include "service/certificates.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"
#include "pkcs11/objects.hpp"

namespace sealbridge::service {

namespace {

key_presence private_key_of(const token_access& key, const std::vector<bytes>& key_pair_ids,
                            bool sees_private_objects, const bytes& id) {
  // A public key object with the same CKA_ID is how keys store the other half of a pair.
  if (!id.empty() && std::binary_search(key_pair_ids.begin(), key_pair_ids.end(), id))
    return key_presence::present;
  if (sees_private_objects) return key_presence::absent;
  return key.private_keys().lookup(id);
}

}  // namespace

std::vector<certificate_entry> read_certificates(const token_access& key) {
  auto session = key.open_session(false);
  // Without CKF_LOGIN_REQUIRED a key shows its private objects to anyone.
  const bool sees_private_objects =
      !key.token().info.flags.login_required || session.user_logged_in();
  auto objects = pkcs11::find_certificates(session);
  const auto key_pairs = objects.empty() ? std::vector<bytes>{} : pkcs11::key_pair_ids(session);
  std::vector<certificate_entry> out;
  for (auto& object : objects) {
    certificate_entry entry;
    try {
      entry.info = crypto::parse_certificate(object.der);
    } catch (const error& e) {
      spdlog::warn("key {}: certificate \"{}\" skipped: {}", key.token().id, object.label,
                   e.what());
      continue;
    }
    entry.private_key = private_key_of(key, key_pairs, sees_private_objects, object.id);
    entry.id = std::move(object.id);
    entry.label = std::move(object.label);
    entry.der = std::move(object.der);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace sealbridge::service
