#include <algorithm>
#include <catch2/catch.hpp>

#include "pdf/pdf_signer.hpp"
#include "pdf_test_support.hpp"

using namespace sealbridge::pdf;
using namespace sealbridge::pdf::testing;

namespace {

signature_spec seal_spec(placement where, const std::string& name) {
  signature_spec spec;
  spec.where = where;
  spec.image = {"png", red_seal_png()};
  spec.name = name;
  spec.reason = "投标文件盖章";
  spec.location = "Beijing";
  spec.signing_time = std::chrono::system_clock::now();
  return spec;
}

// Share of seal red in the middle of a stamp whose top-left is (x_mm, y_mm), 40 mm square.
double red_in_stamp(const rendered_page& page, int dpi, double x_mm, double y_mm) {
  const double k = dpi / 25.4;
  const int cx = static_cast<int>((x_mm + 20) * k), cy = static_cast<int>((y_mm + 20) * k);
  const int half = static_cast<int>(6 * k);
  return red_fraction(page, cx - half, cy - half, cx + half, cy + half);
}

}  // namespace

TEST_CASE("every sample takes a company seal and a legal representative seal, all valid") {
  const auto company = make_signer("RSA", "Example Tech Co");
  const auto legal = make_signer("P-256", "Zhang San");
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-samples");
  const auto samples = all_sample_pdfs();
  REQUIRE(samples.size() == 8);
  for (const auto& name : samples) {
    INFO(name);
    const auto in = sample_pdf(name);
    const auto before = run_pdfsig(in);
    const auto fields_before = qpdf_field_names(in);
    const auto top_before = top_level_field_names(in);
    const auto geometry = page_geometries(in);
    REQUIRE(!geometry.empty());

    const auto first = dir / ("company_" + name);
    auto spec = seal_spec(at_position{1, 15, 25}, "示例科技有限公司");
    auto pending = prepare_signature(in, first, spec);
    CHECK(pending.pages() == std::vector<int>{1});
    const auto range = pending.byte_range();
    pending.finish(sign_covered(pending, company));

    const auto r1 = run_pdfsig(first);
    INFO(r1.output);
    CHECK(r1.signatures == before.signatures + 1);
    CHECK(r1.valid == r1.signatures - r1.unsigned_fields);
    std::string check_output;
    CHECK(qpdf_check_clean(first, &check_output));
    INFO(check_output);
    const auto fields1 = qpdf_field_names(first);
    CHECK(
        std::includes(fields1.begin(), fields1.end(), fields_before.begin(), fields_before.end()));
    CHECK(fields1.count("SealBridge_1") == 1);
    const auto top1 = top_level_field_names(first);
    CHECK(std::includes(top1.begin(), top1.end(), top_before.begin(), top_before.end()));
    CHECK(top1.count("SealBridge_1") == 1);

    // The stamp shows where asked, on the page as a viewer shows it (rotation, crop box).
    const int dpi = 30;
    const auto page_before = render_page(in, 1, dpi);
    const auto page_after = render_page(first, 1, dpi);
    CHECK(red_in_stamp(page_before, dpi, 15, 25) < 0.2);
    CHECK(red_in_stamp(page_after, dpi, 15, 25) > 0.6);

    const auto second = dir / ("legal_" + name);
    const double x2 = geometry[0].width_mm - 55;
    sign_pdf(first, second, seal_spec(at_position{1, x2, 25}, "张三"), legal);
    const auto r2 = run_pdfsig(second);
    INFO(r2.output);
    CHECK(r2.signatures == before.signatures + 2);
    CHECK(r2.valid == r2.signatures - r2.unsigned_fields);
    CHECK(r2.valid >= 2);
    CHECK(qpdf_check_clean(second));
    const auto fields2 = qpdf_field_names(second);
    CHECK(std::includes(fields2.begin(), fields2.end(), fields1.begin(), fields1.end()));
    CHECK(fields2.count("SealBridge_2") == 1);
    CHECK(red_in_stamp(render_page(second, 1, dpi), dpi, x2, 25) > 0.6);

    const auto found = find_signatures(second);
    REQUIRE(found.size() >= 2);
    const auto& a = found[found.size() - 2];
    const auto& b = found.back();
    CHECK(a.field_name == "SealBridge_1");
    CHECK(a.byte_range == range);
    CHECK(a.covers_whole_revision);
    CHECK_FALSE(a.covers_whole_document);
    CHECK(a.modified_after);
    CHECK(a.name == "示例科技有限公司");
    CHECK(a.reason == "投标文件盖章");
    CHECK(a.sub_filter == "ETSI.CAdES.detached");
    CHECK(a.page == 1);
    REQUIRE(a.appearance_image.has_value());
    CHECK(a.appearance_image->type == "PNG");
    CHECK(b.field_name == "SealBridge_2");
    CHECK(b.covers_whole_document);
    CHECK_FALSE(b.modified_after);
    CHECK(b.contents.size() > 300);
    CHECK(b.contents.size() < 4000);
    CHECK(b.contents[0] == 0x30);
  }
  std::filesystem::remove_all(dir);
}
