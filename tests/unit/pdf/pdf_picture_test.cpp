#include <zlib.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf/picture_image.hpp"
#include "pdf_test_support.hpp"

using namespace sealbridge::pdf;
using namespace sealbridge::pdf::testing;
using sealbridge::bytes;
using sealbridge::errc;

using sealbridge::testing::code_of;

namespace {

bytes inflate_all(const bytes& data, std::size_t expected) {
  bytes out(expected);
  uLongf size = static_cast<uLongf>(expected);
  REQUIRE(uncompress(out.data(), &size, data.data(), static_cast<uLong>(data.size())) == Z_OK);
  out.resize(size);
  return out;
}

// RGB of the centre pixel of an embedded Flate image.
std::array<int, 3> centre_rgb(const image_xobject& img) {
  const auto rgb = inflate_all(img.data, static_cast<std::size_t>(img.width * img.height * 3));
  const std::size_t at = static_cast<std::size_t>((img.height / 2 * img.width + img.width / 2) * 3);
  return {rgb[at], rgb[at + 1], rgb[at + 2]};
}

}  // namespace

TEST_CASE("PNG: RGB plus a real alpha SMask, none when opaque") {
  const auto seal = embed_picture({"png", red_seal_png(100)});
  CHECK(seal.width == 100);
  CHECK(seal.filter == "/FlateDecode");
  CHECK(seal.color_space == "/DeviceRGB");
  REQUIRE(seal.smask.has_value());
  const auto alpha = inflate_all(*seal.smask, 100 * 100);
  CHECK(alpha[0] == 0);                // corner: transparent
  CHECK(alpha[50 * 100 + 50] == 255);  // centre disc: opaque
  CHECK(centre_rgb(seal) == std::array<int, 3>{220, 20, 30});

  const auto opaque = embed_picture({"PNG", red_seal_png(100, true)});
  CHECK_FALSE(opaque.smask.has_value());
}

TEST_CASE("BMP 24/32-bit and GIF with transparency decode to the same seal") {
  const auto bmp24 = embed_picture({"BMP", red_seal_bmp(50, 24)});
  CHECK(bmp24.width == 50);
  CHECK_FALSE(bmp24.smask.has_value());
  CHECK(centre_rgb(bmp24) == std::array<int, 3>{220, 20, 30});
  const auto bmp32 = embed_picture({"bmp", red_seal_bmp(50, 32)});
  CHECK_FALSE(bmp32.smask.has_value());  // fourth bytes all zero: unused, not transparent
  CHECK(centre_rgb(bmp32) == std::array<int, 3>{220, 20, 30});

  const auto gif = embed_picture({"GIF", red_seal_gif(60)});
  CHECK(gif.width == 60);
  REQUIRE(gif.smask.has_value());
  const auto alpha = inflate_all(*gif.smask, 60 * 60);
  CHECK(alpha[0] == 0);
  CHECK(alpha[30 * 60 + 30] == 255);
  CHECK(centre_rgb(gif) == std::array<int, 3>{220, 20, 30});
}

TEST_CASE("JPEG is embedded as DCTDecode byte for byte") {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-jpg");
  REQUIRE(sealbridge::testing::run("pdftoppm -r 20 -jpeg -singlefile '" +
                                   sample_pdf("simple_table_openoffice11.pdf").string() + "' '" +
                                   (dir / "page").string() + "'") == 0);
  const auto jpeg = read_bytes(dir / "page.jpg");
  const auto img = embed_picture({"JPG", jpeg});
  CHECK(img.filter == "/DCTDecode");
  CHECK(img.color_space == "/DeviceRGB");
  CHECK(img.data == jpeg);
  CHECK(img.width > 100);
  CHECK(img.height > img.width);  // A4 portrait

  // Signed with it, the file stays valid and the picture reads back as JPG.
  const auto signer = make_signer("RSA", "JPEG");
  signature_spec spec;
  spec.where = at_position{1, 20, 20};
  spec.image = {"JPEG", jpeg};
  const auto out = dir / "signed.pdf";
  sign_pdf(sample_pdf("simple_table_openoffice11.pdf"), out, spec, signer);
  CHECK(run_pdfsig(out).valid == 1);
  const auto found = find_signatures(out);
  REQUIRE(found.size() == 1);
  REQUIRE(found[0].appearance_image.has_value());
  CHECK(found[0].appearance_image->type == "JPG");
  CHECK(found[0].appearance_image->data == jpeg);
  std::filesystem::remove_all(dir);
}

TEST_CASE("GIF and BMP seals render red on the page") {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-pics");
  const auto signer = make_signer("P-256", "Pictures");
  for (const auto& pic :
       {picture{"GIF", red_seal_gif(120)}, picture{"BMP", red_seal_bmp(120, 32)}}) {
    INFO(pic.type);
    signature_spec spec;
    spec.where = at_position{1, 20, 20};
    spec.image = pic;
    const auto out = dir / ("signed_" + pic.type + ".pdf");
    sign_pdf(sample_pdf("simple_table_openoffice11.pdf"), out, spec, signer);
    CHECK(run_pdfsig(out).valid == 1);
    const int dpi = 30;
    const double k = dpi / 25.4;
    const auto page = render_page(out, 1, dpi);
    CHECK(red_fraction(page, static_cast<int>(36 * k), static_cast<int>(36 * k),
                       static_cast<int>(44 * k), static_cast<int>(44 * k)) > 0.6);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a PNG appearance reads back as the same picture") {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-back");
  const auto signer = make_signer("RSA", "Back");
  signature_spec spec;
  spec.where = at_position{1, 20, 20};
  spec.image = {"PNG", red_seal_png(80)};
  const auto out = dir / "signed.pdf";
  sign_pdf(sample_pdf("simple_table_openoffice11.pdf"), out, spec, signer);
  const auto found = find_signatures(out);
  REQUIRE(found.size() == 1);
  REQUIRE(found[0].appearance_image.has_value());
  CHECK(found[0].appearance_image->type == "PNG");
  const auto again = embed_picture(*found[0].appearance_image);
  const auto original = embed_picture(spec.image);
  CHECK(again.width == 80);
  CHECK(inflate_all(again.data, 80 * 80 * 3) == inflate_all(original.data, 80 * 80 * 3));
  REQUIRE(again.smask.has_value());
  CHECK(inflate_all(*again.smask, 80 * 80) == inflate_all(*original.smask, 80 * 80));
  std::filesystem::remove_all(dir);
}

TEST_CASE("SVG, damaged and oversized pictures are refused as unsupported") {
  CHECK(code_of([] {
          embed_picture({"SVG", bytes{'<', 's', 'v', 'g', '/', '>'}});
        }) == errc::picture_unsupported);
  CHECK(code_of([] { embed_picture({"PNG", bytes{1, 2, 3}}); }) == errc::picture_unsupported);
  auto png = red_seal_png(20);
  png.resize(png.size() / 2);
  CHECK(code_of([&] { embed_picture({"PNG", png}); }) == errc::picture_unsupported);
  // IHDR claiming 100000 x 100000 pixels.
  auto huge = red_seal_png(20);
  huge[16] = 0, huge[17] = 0x01, huge[18] = 0x86, huge[19] = 0xA0;
  huge[20] = 0, huge[21] = 0x01, huge[22] = 0x86, huge[23] = 0xA0;
  CHECK(code_of([&] { embed_picture({"PNG", huge}); }) == errc::picture_unsupported);
  auto bmp = red_seal_bmp(20, 24);
  bmp.resize(100);
  CHECK(code_of([&] { embed_picture({"BMP", bmp}); }) == errc::picture_unsupported);
  auto gif = red_seal_gif(20);
  gif.resize(30);
  CHECK(code_of([&] { embed_picture({"GIF", gif}); }) == errc::picture_unsupported);
  CHECK(code_of([] {
          embed_picture({"JPG", bytes{0xFF, 0xD8, 0xFF, 0xE0, 0, 2}});
        }) == errc::picture_unsupported);
}
