#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"

// The administrator's signed update manifest (docs/updates.md):
//
//   {"signed": {"version": "0.2.0", "serial": 7, "expires": "2027-01-31T00:00:00Z",
//               "notes": "...", "url": "https://.../sealbridge_0.2.0_amd64.deb",
//               "size": 123456, "sha256": "<64 hex>"},
//    "signatures": [{"keyid": "<16 hex>", "sig": "<base64 Ed25519 signature>"}]}
//
// Each signature is over the canonical bytes of "signed" (canonical_manifest_bytes).
namespace sealbridge::service {

struct update_manifest {
  std::string version;  // dotted numbers, e.g. "0.2.0"
  std::uint64_t serial = 0;
  sys_seconds expires{};
  std::string notes;
  std::string url;  // https:// only
  std::uint64_t size = 0;
  std::string sha256;  // 64 lower-case hex digits
};

inline constexpr std::size_t kMaxManifestBytes = 64 * 1024;
inline constexpr std::size_t kMaxManifestSignatures = 8;

// The bytes each signature covers: the "signed" object serialised with keys sorted bytewise,
// no whitespace, strings as UTF-8 with only '"', '\' and control characters escaped (\b \f \n
// \r \t, others \u00xx lower case), integers in decimal. `signed_json` is JSON text of that
// object (whitespace and key order free). Throws error(update_manifest_invalid) when it is not
// an object of strings and non-negative integers.
std::string canonical_manifest_bytes(std::string_view signed_json);

// lower-case hex of the first 8 bytes of SHA-256(raw public key): names a key in "keyid".
std::string update_key_id(byte_view raw_public_key);

// Parses a manifest file and checks that at least one signature verifies with one of
// `pinned_keys` (raw 32-byte Ed25519 public keys). Throws error(update_manifest_invalid) for a
// malformed file or missing/ill-typed field, error(update_signature_invalid) when no signature
// verifies. Nothing else is checked here (see check_update_policy).
update_manifest parse_signed_manifest(std::string_view text, const std::vector<bytes>& pinned_keys);

// Adds one signature per PEM Ed25519 private key to the unsigned manifest `signed_json` (the
// "signed" object); returns the manifest file. For the release engineers' tool.
std::string sign_manifest(std::string_view signed_json, const std::vector<std::string>& key_pems);

// Dotted-number versions: -1, 0 or 1; nullopt when either is not digits separated by dots
// (at most 4 parts, each at most 9 digits).
std::optional<int> compare_versions(std::string_view a, std::string_view b);

enum class update_status { available, up_to_date, older_than_running };

// Throws error(update_expired) when `now` is past expires, error(update_rollback) when the
// serial is lower than `last_serial`, error(update_manifest_invalid) for a version that cannot
// be compared with `running_version`. Otherwise tells how the version compares.
update_status check_update_policy(const update_manifest& manifest, sys_seconds now,
                                  std::optional<std::uint64_t> last_serial,
                                  std::string_view running_version);

}  // namespace sealbridge::service
