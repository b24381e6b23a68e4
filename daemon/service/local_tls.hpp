#pragma once

#include <chrono>
#include <filesystem>

#include "core/iso_time.hpp"

// The local TLS files in the state dir: created by `sealbridged tls-setup` or by the daemon at
// start, served by the listener, trusted by the packages (scripts/trust-root.sh).
namespace sealbridge::service {

struct local_tls_files {
  std::filesystem::path root_certificate;  // tls/root.pem: public, for the trust stores
  std::filesystem::path certificate;       // tls/localhost.pem: the leaf the daemon presents
  std::filesystem::path private_key;       // tls/localhost.key: mode 0600
};

local_tls_files local_tls_paths(const std::filesystem::path& state_dir);

inline constexpr std::chrono::days kRenewBefore{30};

enum class tls_setup_outcome { kept, minted };

// Whether the three files are there, the key matches the leaf and the leaf is good for at
// least `renew_before` more: what ensure_local_tls keeps.
bool local_tls_usable(const std::filesystem::path& state_dir, sys_seconds now,
                      std::chrono::days renew_before = kRenewBefore);

// Mints a new root and leaf (crypto::mint_local_tls) and writes the three files when one is
// missing or unreadable, when the key does not match the leaf, when the leaf expires within
// `renew_before` of `now`, or when `force` is set; otherwise keeps them. The root's private
// key is never written. Throws error(io_error) when the files cannot be written.
tls_setup_outcome ensure_local_tls(const std::filesystem::path& state_dir, sys_seconds now,
                                   bool force = false,
                                   std::chrono::days renew_before = kRenewBefore);

}  // namespace sealbridge::service
