#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"

namespace sealbridge::pdf {
namespace {

using file_ptr = std::unique_ptr<std::FILE, decltype(&std::fclose)>;
constexpr std::size_t kChunk = 64 * 1024;

file_ptr open_file(const std::filesystem::path& path, const char* mode) {
  file_ptr f(std::fopen(path.c_str(), mode), &std::fclose);
  if (!f) throw error(errc::io_error, "cannot open " + path.filename().string());
  return f;
}

void seek(std::FILE* f, std::uint64_t offset) {
  if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0)
    throw error(errc::io_error, "seek failed");
}

}  // namespace

pending_signature::pending_signature(std::filesystem::path path,
                                     std::array<std::uint64_t, 4> byte_range,
                                     std::vector<int> pages)
    : path_(std::move(path)), byte_range_(byte_range), pages_(std::move(pages)) {}

pending_signature::pending_signature(pending_signature&& other) noexcept
    : path_(std::move(other.path_)),
      byte_range_(other.byte_range_),
      pages_(std::move(other.pages_)),
      finished_(other.finished_) {
  other.path_.clear();
}

pending_signature& pending_signature::operator=(pending_signature&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    byte_range_ = other.byte_range_;
    pages_ = std::move(other.pages_);
    finished_ = other.finished_;
    other.path_.clear();
  }
  return *this;
}

pending_signature::~pending_signature() {
  discard();
}

void pending_signature::discard() noexcept {
  if (!finished_ && !path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  path_.clear();
}

void pending_signature::for_each_covered_chunk(const std::function<void(byte_view)>& sink) const {
  if (path_.empty()) throw error(errc::internal, "pending signature was moved from");
  auto f = open_file(path_, "rb");
  std::vector<std::uint8_t> buf(kChunk);
  for (int r = 0; r < 2; ++r) {
    std::uint64_t left = byte_range_[static_cast<std::size_t>(r * 2 + 1)];
    seek(f.get(), byte_range_[static_cast<std::size_t>(r * 2)]);
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kChunk));
      if (std::fread(buf.data(), 1, want, f.get()) != want) {
        throw error(errc::io_error, "the prepared PDF is shorter than its /ByteRange");
      }
      sink(byte_view(buf.data(), want));
      left -= want;
    }
  }
}

void pending_signature::finish(byte_view cms_der) {
  if (path_.empty()) throw error(errc::internal, "pending signature was moved from");
  if (finished_) throw error(errc::bad_params, "the signature is already finished");
  if (cms_der.empty()) throw error(errc::bad_params, "empty CMS");
  const std::uint64_t room = (byte_range_[2] - byte_range_[1] - 2) / 2;
  if (cms_der.size() > room) {
    throw error(errc::pdf_signature_too_large,
                "CMS of " + std::to_string(cms_der.size()) + " bytes, room for " +
                    std::to_string(room) + "; prepare again with a larger contents_reserve");
  }
  auto f = open_file(path_, "r+b");
  // The hole must still be ours: '<' at [1] and '>' just before [2].
  char lt = 0, gt = 0;
  seek(f.get(), byte_range_[1]);
  const bool lt_ok = std::fread(&lt, 1, 1, f.get()) == 1 && lt == '<';
  seek(f.get(), byte_range_[2] - 1);
  const bool gt_ok = std::fread(&gt, 1, 1, f.get()) == 1 && gt == '>';
  if (!lt_ok || !gt_ok) throw error(errc::io_error, "the prepared PDF was changed");
  std::string hex = to_hex(cms_der);
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  hex.resize(static_cast<std::size_t>(room * 2), '0');
  seek(f.get(), byte_range_[1] + 1);
  if (std::fwrite(hex.data(), 1, hex.size(), f.get()) != hex.size() || std::fflush(f.get()) != 0 ||
      ::fsync(fileno(f.get())) != 0) {
    throw error(errc::io_error, "cannot write the signature into the PDF");
  }
  if (std::fclose(f.release()) != 0)
    throw error(errc::io_error, "cannot write the signature into the PDF");
  finished_ = true;
}

}  // namespace sealbridge::pdf
