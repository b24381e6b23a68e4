#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"

// Ed25519 for signed update manifests: the daemon verifies with pinned raw public keys, the
// release engineers' tool signs with a PEM private key.
namespace sealbridge::crypto {

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SignatureBytes = 64;

// False for a wrong signature, and for a key or signature of the wrong length.
bool ed25519_verify(byte_view public_key, byte_view message, byte_view signature);

// A PEM (PKCS#8) Ed25519 private key; throws error(bad_params) for anything else.
evp_pkey_ptr ed25519_private_key_from_pem(std::string_view pem);
bytes ed25519_sign(EVP_PKEY* private_key, byte_view message);
// The raw 32-byte public key of an Ed25519 key (private or public).
bytes ed25519_raw_public_key(EVP_PKEY* key);

}  // namespace sealbridge::crypto
