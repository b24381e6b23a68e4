#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "core/bytes.hpp"

namespace sealbridge::service {

// Whether a certificate's private key is on the key. Real keys make private keys CKA_PRIVATE,
// invisible before login, and often store no public-key object beside them: a look without
// the PIN frequently cannot tell, and then says so instead of "no".
enum class key_presence { present, absent, unknown };

// What the last login on a key showed of its private keys, kept while the key stays plugged in
// (each insertion starts afresh). Written by the login on the key's worker, read by cert.list.
// It also counts certificate writes, so what was read of the key's certificates before one
// (a kept signer) is known to be stale.
class private_key_memory {
 public:
  void certificates_changed() noexcept { ++certificate_writes_; }
  std::uint64_t certificate_writes() const noexcept { return certificate_writes_.load(); }

  // Every CKA_ID of a private key, as seen right after a successful login.
  void remember(std::vector<bytes> ids);
  // present or absent as of that login; unknown before any.
  key_presence lookup(const bytes& id) const;

 private:
  std::atomic<std::uint64_t> certificate_writes_{0};
  mutable std::mutex mutex_;
  std::optional<std::set<bytes>> ids_;
};

}  // namespace sealbridge::service
