#pragma once

#include <array>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

class QPDF;

namespace sealbridge::pdf {

// Where a searched text was found: its page and the union of its glyph boxes.
struct text_hit {
  int page;                   // 1-based
  std::array<double, 4> box;  // llx, lly, urx, ury in the page's default user space
};

// Finds `needle` (UTF-8) in the text of the given pages (all pages when `pages` is empty), in
// reading order page by page. Matching ignores whitespace between glyphs and treats full-width
// and half-width forms alike (（ vs (, ： vs :), since producers differ; a match stays within
// one line of text. Throws error(pdf_invalid) when qpdf cannot read the document,
// error(pdf_unsupported) when its content exceeds the work limits, error(bad_params) for a page
// number outside the document. Returns no hits when the text is not there.
std::vector<text_hit> find_text(QPDF& pdf, std::string_view needle,
                                std::span<const int> pages = {});

// The same on a file opened read-only. Throws error(pdf_unsupported) on an encrypted file.
std::vector<text_hit> find_text(const std::filesystem::path& file, std::string_view needle,
                                std::span<const int> pages = {});

}  // namespace sealbridge::pdf
