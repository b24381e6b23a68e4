#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"

// Prepares a PDF for a signature as one incremental update with a visible seal, and reads
// signatures back. The CMS itself is made by the caller over the covered bytes: signing on a
// UKey is slow and asynchronous, so the file waits with a placeholder in between.
namespace sealbridge::pdf {

struct picture {
  std::string type;  // "PNG", "JPG", "JPEG", "GIF", "BMP", "SVG"; case-insensitive
  bytes data;
};

// Top-left corner of the stamp, measured from the top-left of the page as a viewer shows it
// (CropBox, after /Rotate).
struct at_position {
  int page = 1;  // 1-based
  double x_mm = 0, y_mm = 0;
};

// Center of the stamp in the page's default user space (keyword placement resolves to this).
struct at_point {
  int page = 1;
  double x_pt = 0, y_pt = 0;
};

// Riding seal (骑缝章): one signature whose picture is cut into vertical slices, slice i of n at
// the right edge of the i-th chosen page.
struct riding {
  int from_page = 1, to_page = 0;  // to_page 0 = last page
  double y_mm = -1;                // vertical center from the top; -1 = middle of the page
};

using placement = std::variant<at_position, at_point, riding>;

struct signature_spec {
  placement where;
  picture image;
  double width_mm = 40, height_mm = 40;
  std::string field_name;              // empty: "SealBridge_<n>", unique in the file
  std::string name, reason, location;  // UTF-8
  // The seal stamped, written as /SealBridge_Seal << /Name /ESID >> in the signature
  // dictionary, so a verifier can say which seal it is without guessing from /Reason.
  std::string seal_name, seal_es_id;                   // UTF-8; empty: not written
  std::chrono::system_clock::time_point signing_time;  // written as /M
  std::string sub_filter = "ETSI.CAdES.detached";      // or "adbe.pkcs7.detached"
  std::size_t contents_reserve = 16384;                // bytes of CMS room (hex doubles it)
};

// An output file written with a placeholder /Contents. Move-only; when destroyed without a
// successful finish() it removes the output file, so no half-signed PDF is left behind.
class pending_signature {
 public:
  pending_signature(pending_signature&& other) noexcept;
  pending_signature& operator=(pending_signature&& other) noexcept;
  pending_signature(const pending_signature&) = delete;
  pending_signature& operator=(const pending_signature&) = delete;
  ~pending_signature();

  const std::filesystem::path& path() const { return path_; }
  std::array<std::uint64_t, 4> byte_range() const { return byte_range_; }
  // Streams the covered bytes (both ranges, in order) through `sink` in 64 KiB chunks.
  void for_each_covered_chunk(const std::function<void(byte_view)>& sink) const;
  // Writes the CMS as hex into the placeholder, zero padded. Throws
  // error(pdf_signature_too_large) when it does not fit; never truncates.
  void finish(byte_view cms_der);
  bool finished() const { return finished_; }
  std::vector<int> pages() const { return pages_; }  // pages that got a widget (1-based)

 private:
  friend pending_signature prepare_signature(const std::filesystem::path&,
                                             const std::filesystem::path&, const signature_spec&);
  pending_signature(std::filesystem::path path, std::array<std::uint64_t, 4> byte_range,
                    std::vector<int> pages);
  void discard() noexcept;

  std::filesystem::path path_;
  std::array<std::uint64_t, 4> byte_range_{};
  std::vector<int> pages_;
  bool finished_ = false;
};

// Reads `input` and writes its bytes plus one incremental update to `output`. Throws
// error(pdf_invalid) for damaged input, error(pdf_unsupported) for encrypted or DocMDP P=1
// files, error(picture_unsupported) for pictures it cannot embed, error(bad_params) for a bad
// spec, error(io_error) for file trouble. On failure nothing is left at `output`.
pending_signature prepare_signature(const std::filesystem::path& input,
                                    const std::filesystem::path& output,
                                    const signature_spec& spec);

struct found_signature {
  std::string field_name, sub_filter, name, reason, location;
  std::string seal_name, seal_es_id;  // from /SealBridge_Seal, when a SealBridge signer wrote it
  std::string signing_time_text;      // raw /M
  std::array<std::uint64_t, 4> byte_range{};
  bytes contents;  // CMS DER without the zero padding
  // Ranges start at 0, are contiguous except the /Contents hole and end at an %%EOF.
  bool covers_whole_revision = false;
  bool covers_whole_document = false;  // ... and that is the end of the file
  bool modified_after = false;         // bytes were appended after the signed revision
  int page = 0;                        // page of the (first) widget, 1-based; 0 unknown
  std::array<double, 4> rect{};
  std::optional<picture> appearance_image;  // PNG when decodable, else raw ("JPG", "JP2")
};

// Signed signature fields of the file (empty fields are skipped), in /Fields order.
std::vector<found_signature> find_signatures(const std::filesystem::path& input);

// Visible size in mm after rotation; boxes in default user space.
struct page_geometry {
  double width_mm, height_mm;
  int rotate;  // 0, 90, 180 or 270
  std::array<double, 4> media_box, crop_box;
};

std::vector<page_geometry> page_geometries(const std::filesystem::path& input);

}  // namespace sealbridge::pdf
