#include "core/error.hpp"
#include "pdf/pdf_document.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf/placement.hpp"

namespace sealbridge::pdf {

std::vector<page_geometry> page_geometries(const std::filesystem::path& input) {
  source_document doc(input);
  std::vector<page_geometry> out;
  auto pages = doc.pages();
  with_qpdf_errors([&] {
    out.reserve(pages.size());
    for (auto& page : pages) {
      const page_box box = page_box_of(page);
      const auto [w, h] = visible_size(box);
      out.push_back({w / kPointsPerMm, h / kPointsPerMm, box.rotate, box.media_box, box.crop_box});
    }
  });
  doc.check_warnings();
  return out;
}

}  // namespace sealbridge::pdf
