#include "service/certificates.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "pkcs11/objects.hpp"

namespace sealbridge::service {

std::vector<certificate_entry> read_certificates(const token_access& key) {
  auto session = key.open_session(false);
  std::vector<certificate_entry> out;
  for (auto& object : pkcs11::find_certificates(session)) {
    certificate_entry entry;
    try {
      entry.info = crypto::parse_certificate(object.der);
    } catch (const error& e) {
      spdlog::warn("key {}: certificate \"{}\" skipped: {}", key.token().id, object.label, e.what());
      continue;
    }
    entry.has_private_key = !object.id.empty() && pkcs11::has_key_pair(session, object.id);
    entry.id = std::move(object.id);
    entry.label = std::move(object.label);
    entry.der = std::move(object.der);
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace sealbridge::service
