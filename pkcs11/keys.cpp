#include "pkcs11/keys.hpp"

#include <array>

#include "pkcs11/session.hpp"

namespace sealbridge::pkcs11 {

std::optional<CK_OBJECT_HANDLE> find_private_key(const session& s,
                                                 std::span<const std::uint8_t> id) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  const std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
      CK_ATTRIBUTE{CKA_ID, const_cast<std::uint8_t*>(id.data()), static_cast<CK_ULONG>(id.size())}};
  auto found = s.find(tmpl);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace sealbridge::pkcs11
