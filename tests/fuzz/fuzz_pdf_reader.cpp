#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"

// PDFs come from portal pages and users' disks: the readers must turn any bytes into a value
// or a sealbridge::error. The library reads files, so each input goes through a temp file.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("sb-fuzz-pdf-" + std::to_string(::getpid()) + ".pdf");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    (void)sealbridge::pdf::page_geometries(path);
  } catch (const sealbridge::error&) {
  }
  try {
    (void)sealbridge::pdf::find_signatures(path);
  } catch (const sealbridge::error&) {
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return 0;
}
