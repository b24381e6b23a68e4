// Fuzz target: text extraction and search in a page's PDF (daemon/pdf_text), which keyword
// placement runs on the user's document: content streams, fonts, CMaps and encodings straight
// from the file. Any bytes give hits, no hits or a sealbridge::error, within the work limits.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "pdf_text/text_locate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("sb-fuzz-pdf-text-" + std::to_string(::getpid()) + ".pdf");
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  // A CJK keyword (full-width brackets, matched loosely) and a Latin one, as portals use.
  for (const char* needle : {"\xEF\xBC\x88\xE7\x9B\x96\xE7\xAB\xA0\xEF\xBC\x89", "Seal"}) {
    try {
      for (const auto& hit : sealbridge::pdf::find_text(path, needle)) {
        if (hit.page < 1) __builtin_trap();
      }
    } catch (const sealbridge::error&) {
    }
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return 0;
}
