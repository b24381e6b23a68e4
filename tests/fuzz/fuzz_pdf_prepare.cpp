// Fuzz target: preparing a signature on a page's PDF (daemon/pdf prepare_signature): reading
// the document, its pages, AcroForm and DocMDP, and writing the incremental update. Any bytes
// give a pending signature or a sealbridge::error, and no output file is left behind.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"

namespace {

// A 2x2 RGBA PNG: the smallest picture the stamp accepts, so the time goes into the PDF.
constexpr std::uint8_t kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x72, 0xb6, 0x0d,
    0x24, 0x00, 0x00, 0x00, 0x13, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x84, 0x81, 0x90, 0xa1, 0x01, 0x84, 0x01, 0x44, 0xd0, 0x06, 0xfb, 0x58, 0x53, 0x40, 0x96,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const fs::path input =
      fs::temp_directory_path() / ("sb-fuzz-pdf-prepare-" + std::to_string(::getpid()) + ".pdf");
  static const fs::path output = fs::temp_directory_path() /
                                 ("sb-fuzz-pdf-prepare-" + std::to_string(::getpid()) + "-out.pdf");
  if (std::FILE* f = std::fopen(input.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  sealbridge::pdf::signature_spec spec;
  spec.image = {"PNG", sealbridge::bytes(std::begin(kPng), std::end(kPng))};
  spec.contents_reserve = 1024;
  // The input's length picks the placement, so each kind is reached from any document.
  switch (size % 3) {
    case 0:
      spec.where = sealbridge::pdf::at_position{1, 20, 30};
      break;
    case 1:
      spec.where = sealbridge::pdf::at_point{1, 100, 100};
      break;
    default:
      spec.where = sealbridge::pdf::riding{1, 0, -1};
      break;
  }
  try {
    auto pending = sealbridge::pdf::prepare_signature(input, output, spec);
    if (pending.pages().empty()) __builtin_trap();
  } catch (const sealbridge::error&) {
  }
  std::error_code ignored;
  if (fs::exists(output, ignored)) __builtin_trap();  // a pending signature removes its file
  fs::remove(input, ignored);
  return 0;
}
