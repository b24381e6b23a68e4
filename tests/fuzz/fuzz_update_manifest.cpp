#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "service/update_manifest.hpp"

// Update manifests come from a server over the network: parsing one gives a manifest whose
// fields passed their checks, or a sealbridge::error, nothing else.
// corpus/update_manifest/good.json is signed by the key pinned here (its private half was
// discarded), so mutations reach the field checks too.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sealbridge::bytes pinned =
      sealbridge::from_hex("84053c7759a81027c7620562e4abc17007a2b7a7e964cdc7ad9fa56ea7312106");
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto manifest = sealbridge::service::parse_signed_manifest(text, {pinned});
    if (!manifest.url.starts_with("https://") || manifest.sha256.size() != 64 || manifest.size == 0)
      std::abort();
  } catch (const sealbridge::error&) {
  }
  try {
    sealbridge::service::canonical_manifest_bytes(text);
  } catch (const sealbridge::error&) {
  }
  auto half = text.size() / 2;
  (void)sealbridge::service::compare_versions(text.substr(0, half), text.substr(half));
  return 0;
}
