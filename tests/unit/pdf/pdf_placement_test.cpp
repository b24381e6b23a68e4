#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf_test_support.hpp"

using namespace sealbridge::pdf;
using namespace sealbridge::pdf::testing;
using sealbridge::errc;

using sealbridge::testing::code_of;

namespace {

constexpr double kPt = 72.0 / 25.4;

signature_spec spec_at(placement where, double w = 40, double h = 40) {
  signature_spec spec;
  spec.where = where;
  spec.image = {"PNG", red_seal_png()};
  spec.width_mm = w;
  spec.height_mm = h;
  spec.signing_time = std::chrono::system_clock::now();
  return spec;
}

}  // namespace

TEST_CASE("page geometry honours rotation and offset boxes") {
  const auto rotated = page_geometries(sample_pdf("rotate270_scan_3heights.pdf"));
  REQUIRE(rotated.size() == 1);
  CHECK(rotated[0].rotate == 270);
  // A5 landscape media box shown turned: 419.52 pt wide, 595.2 pt high.
  CHECK(rotated[0].width_mm == Approx(419.52 / kPt).margin(0.01));
  CHECK(rotated[0].height_mm == Approx(595.2 / kPt).margin(0.01));

  const auto offset = page_geometries(sample_pdf("form_ur3_incremental_mediabox_offset.pdf"));
  REQUIRE(offset.size() == 1);
  CHECK(offset[0].media_box[0] == Approx(-11.96).margin(0.01));
  CHECK(offset[0].media_box[1] == Approx(11.99).margin(0.01));

  CHECK(page_geometries(sample_pdf("multipage_55p_openoffice31.pdf")).size() == 55);
}

TEST_CASE("a point placement centres the stamp in user space, turned on rotated pages") {
  const auto signer = make_signer("P-256", "Placement");
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-place");
  const auto out = dir / "point.pdf";
  sign_pdf(sample_pdf("simple_table_openoffice11.pdf"), out, spec_at(at_point{1, 300, 400}, 60, 30),
           signer);
  auto found = find_signatures(out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].rect[0] == Approx(300 - 30 * kPt).margin(0.01));
  CHECK(found[0].rect[3] == Approx(400 + 15 * kPt).margin(0.01));

  const auto turned = dir / "point270.pdf";
  sign_pdf(sample_pdf("rotate270_scan_3heights.pdf"), turned,
           spec_at(at_point{1, 300, 200}, 60, 30), signer);
  found = find_signatures(turned);
  REQUIRE(found.size() == 1);
  // 60 mm across the visible page is 60 mm up the user space of a /Rotate 270 page.
  CHECK(found[0].rect[2] - found[0].rect[0] == Approx(30 * kPt).margin(0.01));
  CHECK(found[0].rect[3] - found[0].rect[1] == Approx(60 * kPt).margin(0.01));
  CHECK(run_pdfsig(turned).valid == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a stamp shows upright where asked on pages turned 0, 90, 180 and 270 degrees") {
  const auto signer = make_signer("RSA", "Rotated");
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-rot");
  for (int turn : {0, 90, 180, 270}) {
    INFO(turn);
    const auto in = dir / ("turned" + std::to_string(turn) + ".pdf");
    REQUIRE(sealbridge::testing::run("qpdf --rotate=+" + std::to_string(turn) + ":1 '" +
                                     sample_pdf("simple_table_openoffice11.pdf").string() + "' '" +
                                     in.string() + "'") == 0);
    const auto out = dir / ("signed" + std::to_string(turn) + ".pdf");
    auto spec = spec_at(at_position{1, 30, 40}, 60, 30);
    spec.image = {"png", top_half_red_png(60, 30)};
    sign_pdf(in, out, spec, signer);
    CHECK(run_pdfsig(out).valid == 1);
    CHECK(page_geometries(out)[0].rotate == turn);
    const int dpi = 40;
    const double k = dpi / 25.4;
    const auto page = render_page(out, 1, dpi);
    auto red = [&](double x0, double y0, double x1, double y1) {
      return red_fraction(page, static_cast<int>(x0 * k), static_cast<int>(y0 * k),
                          static_cast<int>(x1 * k), static_cast<int>(y1 * k));
    };
    CHECK(red(32, 42, 88, 53) > 0.9);   // top half of the 60 x 30 mm stamp
    CHECK(red(32, 57, 88, 68) < 0.05);  // bottom half
    CHECK(red(32, 72, 88, 80) < 0.05);  // below the stamp
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a riding seal is one signature sliced across the right edges of the pages") {
  const auto signer = make_signer("RSA", "Riding");
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-ride");
  const auto in = sample_pdf("multipage_55p_openoffice31.pdf");
  const auto out = dir / "ride.pdf";
  auto pending = prepare_signature(in, out, spec_at(riding{2, 5, 100}));
  CHECK(pending.pages() == std::vector<int>{2, 3, 4, 5});
  pending.finish(sign_covered(pending, signer));
  const auto sig = run_pdfsig(out);
  INFO(sig.output);
  CHECK(sig.signatures == 1);
  CHECK(sig.valid == 1);
  CHECK(qpdf_check_clean(out));

  const auto geometry = page_geometries(in);
  const int dpi = 50;
  const double k = dpi / 25.4;
  auto edge_red = [&](int page_no) {
    const auto page = render_page(out, page_no, dpi);
    const double w = geometry[static_cast<std::size_t>(page_no - 1)].width_mm;
    return red_fraction(page, static_cast<int>((w - 9.5) * k), static_cast<int>(95 * k),
                        static_cast<int>((w - 0.5) * k), static_cast<int>(105 * k));
  };
  CHECK(edge_red(1) < 0.01);
  CHECK(edge_red(3) > 0.5);  // slice 2 of 4 holds part of the seal's centre disc
  CHECK(edge_red(4) > 0.5);
  CHECK(edge_red(6) < 0.01);
  const auto found = find_signatures(out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].page == 2);
  CHECK(found[0].covers_whole_document);
  std::filesystem::remove_all(dir);
}

TEST_CASE("placements off the page are refused before anything is written") {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-off");
  const auto in = sample_pdf("simple_table_openoffice11.pdf");
  const auto out = dir / "out.pdf";
  CHECK(code_of([&] {
          prepare_signature(in, out, spec_at(at_position{2, 10, 10}));
        }) == errc::bad_params);
  CHECK(code_of([&] {
          prepare_signature(in, out, spec_at(at_position{1, 190, 10}));
        }) == errc::bad_params);
  CHECK(code_of([&] {
          prepare_signature(in, out, spec_at(at_point{1, -100, 10}));
        }) == errc::bad_params);
  CHECK(code_of([&] {
          prepare_signature(in, out, spec_at(riding{1, 0, -1}));
        }) == errc::bad_params);
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}
