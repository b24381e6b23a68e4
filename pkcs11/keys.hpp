#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <optional>
#include <span>

namespace sealbridge::pkcs11 {

class session;

// The private key with this CKA_ID, as the session sees it (usually only after login, since
// private keys are CKA_PRIVATE). The first one when a driver lists duplicates.
std::optional<CK_OBJECT_HANDLE> find_private_key(const session& s,
                                                 std::span<const std::uint8_t> id);

}  // namespace sealbridge::pkcs11
