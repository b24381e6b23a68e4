#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

// poppler's pdftotext as the outside judge of what text a PDF holds and where.
namespace pdftotext {

struct word {
  int page;  // 1-based
  std::string text;
  std::array<double, 4> box;  // llx, lly, urx, ury in default user space (bottom-left origin)
};

// The words of `pdftotext -bbox`, converted to default user space. pdftotext measures from the
// top-left corner of the page as displayed, that is after the page's /Rotate (0 or 270 here),
// while it prints the unrotated width and height.
std::vector<word> words(const std::filesystem::path& pdf, int rotate = 0);
// The text of `pdftotext -layout` for the given page (all pages when 0).
std::string layout_text(const std::filesystem::path& pdf, int page = 0);

}  // namespace pdftotext
