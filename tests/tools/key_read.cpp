#include "tests/tools/key_read.hpp"

#include <array>
#include <stdexcept>

#include "pkcs11/session.hpp"
#include "tests/tools/token_store.hpp"

namespace sealbridge::tools {
namespace {

constexpr std::size_t point_len = 65;

}  // namespace

bytes token_public_point(const std::filesystem::path& module, const std::string& token_label,
                         byte_view id) {
  auto m = pkcs11::module::load(module);
  pkcs11::session session(m, slot_with_label(*m, token_label), false);
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
  bytes wanted_id(id.begin(), id.end());
  std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &public_class, sizeof public_class},
                  CK_ATTRIBUTE{CKA_ID, wanted_id.data(), static_cast<CK_ULONG>(wanted_id.size())}};
  for (auto handle : session.find(tmpl)) {
    // CKA_EC_POINT is a DER OCTET STRING around the point (04 41 04 ...).
    auto ec_point = session.attribute(handle, CKA_EC_POINT);
    if (ec_point && ec_point->size() >= point_len && (*ec_point)[ec_point->size() - point_len] == 4)
      return bytes(ec_point->end() - static_cast<long>(point_len), ec_point->end());
  }
  throw std::runtime_error("no EC public key with that CKA_ID on '" + token_label + "'");
}

}  // namespace sealbridge::tools
