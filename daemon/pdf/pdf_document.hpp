#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <string>
#include <vector>

// The input PDF as qpdf reads it, refused unless qpdf read it without repairing anything.
namespace sealbridge::pdf {

enum class xref_kind { table, stream };

class source_document {
 public:
  // Throws error(pdf_invalid) for damaged files, error(pdf_unsupported) for encrypted ones,
  // error(io_error) when the file cannot be read.
  explicit source_document(const std::filesystem::path& path);

  QPDF& qpdf() { return qpdf_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t last_startxref() const { return last_startxref_; }
  xref_kind last_xref_kind() const { return last_xref_kind_; }
  bool ends_with_eol() const { return ends_with_eol_; }
  // The highest object number in use plus one (at least the trailer's /Size).
  int next_object_number();
  QPDFObjectHandle trailer() { return qpdf_.getTrailer(); }
  QPDFObjectHandle catalog();
  // The page objects in order; throws error(pdf_invalid) when the tree needed repair.
  std::vector<QPDFObjectHandle> pages();

  // Throws error(pdf_invalid) if qpdf warned about anything so far (it warns where it
  // repairs). Call after every batch of reads.
  void check_warnings();

 private:
  std::filesystem::path path_;
  QPDF qpdf_;
  std::uint64_t file_size_ = 0;
  std::uint64_t last_startxref_ = 0;
  xref_kind last_xref_kind_ = xref_kind::table;
  bool ends_with_eol_ = true;
};

// Runs `body`, turning qpdf's exceptions (which are not ours) into error(pdf_invalid).
void with_qpdf_errors(const std::function<void()>& body);

// Reads up to `count` bytes at `offset` (fewer at the end of the file).
std::string read_file_range(const std::filesystem::path& path, std::uint64_t offset,
                            std::size_t count);

// Page geometry as needed for placement: boxes normalised to [llx lly urx ury].
struct page_box {
  std::array<double, 4> media_box{};
  std::array<double, 4> crop_box{};  // intersected with the media box
  int rotate = 0;                    // 0, 90, 180, 270
};
page_box page_box_of(QPDFObjectHandle page);

// Integer value of a number object, or `fallback`.
long long int_or(QPDFObjectHandle value, long long fallback);

}  // namespace sealbridge::pdf
