// Fuzz target: the daemon's JSON config file (daemon/app/config.cpp) and its "listen" value.
// An administrator writes the file, but a damaged or hostile one must give error(...) naming
// the field, never a crash; what it accepts must keep the daemon on loopback and leave
// values the daemon can compute with.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "core/error.hpp"

namespace {

void check(const sealbridge::app::config& cfg) {
  for (const auto& address : cfg.addresses) {
    if (address != "127.0.0.1" && address != "::1") __builtin_trap();
  }
  // What the document store does with the ttl (document_store::expire): must not overflow.
  const auto now = std::chrono::system_clock::now();
  const auto cutoff = now - cfg.documents.ttl;
  if (cutoff > now) __builtin_trap();
  if (cfg.documents.max_total_bytes < cfg.documents.max_bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("sb-fuzz-config-" + std::to_string(::getpid()) + ".json");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    sealbridge::app::config cfg;
    sealbridge::app::apply_config_file(cfg, path);
    check(cfg);
  } catch (const sealbridge::error&) {
  }
  try {
    sealbridge::app::config cfg;
    sealbridge::app::apply_listen(cfg, std::string_view(reinterpret_cast<const char*>(data), size));
    check(cfg);
  } catch (const sealbridge::error&) {
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return 0;
}
