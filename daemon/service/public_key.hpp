#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>

#include "crypto/openssl_ptr.hpp"
#include "crypto/public_key.hpp"
#include "pkcs11/session.hpp"
#include "service/token_registry.hpp"

// Public keys of key pairs on a key, rebuilt from their PKCS#11 attributes.
namespace sealbridge::service {

// The public key of a key object (public, or an RSA private key, which carries the modulus).
// Empty for objects that do not reveal it or whose type is not RSA, EC P-256 or the module's
// SM2 key type.
std::optional<crypto::evp_pkey_ptr> public_key_of(const pkcs11::session& session,
                                                  CK_OBJECT_HANDLE object, const sm2_profile& sm2);

}  // namespace sealbridge::service
