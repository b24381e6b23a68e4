#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/iso_time.hpp"
#include "core/secret.hpp"

// The per-installation local TLS root and its one localhost leaf. The root's private key exists
// only inside mint_local_tls: it signs itself and the leaf, then is freed, so nothing that can
// issue another certificate ever reaches a disk.
namespace sealbridge::crypto {

struct local_tls_material {
  std::string root_certificate_pem;  // public; what the packages put into the trust stores
  std::string leaf_certificate_pem;  // what the daemon presents
  secret leaf_private_key_pem;       // PKCS#8 PEM; readable only by the service
};

// The longest a leaf may live: browsers refuse longer server certificates.
inline constexpr std::chrono::days kMaxLeafLifetime{825};
inline constexpr std::chrono::days kDefaultLeafLifetime{800};

// Root: ECDSA P-256, CA with pathLen 0 (critical), keyUsage keyCertSign + cRLSign (critical),
// critical nameConstraints permitting only DNS localhost, IP 127.0.0.1/32 and ::1/128. Leaf: its
// own P-256 key, SAN DNS localhost, IP 127.0.0.1, IP ::1, EKU serverAuth, not a CA, valid from
// an hour before `now` for `leaf_lifetime` (clamped to kMaxLeafLifetime).
// Throws error(internal) when OpenSSL fails.
local_tls_material mint_local_tls(sys_seconds now,
                                  std::chrono::days leaf_lifetime = kDefaultLeafLifetime);

// notAfter of the first certificate in `pem`; nullopt when it cannot be read.
std::optional<sys_seconds> certificate_not_after(std::string_view pem);

// Whether the private key in `key_pem` belongs to the first certificate in `certificate_pem`
// (false when either cannot be read): a crash between writing the two leaves them apart.
bool certificate_matches_key(std::string_view certificate_pem, const secret& key_pem);

}  // namespace sealbridge::crypto
