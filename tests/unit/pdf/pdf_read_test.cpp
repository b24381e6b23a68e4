#include <catch2/catch.hpp>

#include "pdf/pdf_signer.hpp"
#include "pdf_test_support.hpp"

using namespace sealbridge::pdf;
using namespace sealbridge::pdf::testing;

namespace {

// Length of the DER element at the start, or 0.
std::size_t der_length(const sealbridge::bytes& b) {
  if (b.size() < 2 || b[0] != 0x30) return 0;
  if (b[1] < 0x80) return 2u + b[1];
  const std::size_t n = b[1] & 0x7F;
  std::size_t len = 0;
  for (std::size_t i = 0; i < n; ++i) len = len << 8 | b[2 + i];
  return 2 + n + len;
}

}  // namespace

TEST_CASE("the iText sample's signature is found whole, and stays valid after our seal") {
  const auto in = sample_pdf("signed_valid_itext_table_acroform.pdf");
  auto found = find_signatures(in);
  REQUIRE(found.size() == 1);
  const auto& s = found[0];
  CHECK(s.field_name == "Signature1");
  CHECK(s.sub_filter == "adbe.pkcs7.detached");
  CHECK(s.byte_range == std::array<std::uint64_t, 4>{0, 11870, 77408, 30124});
  CHECK(s.covers_whole_revision);
  CHECK(s.covers_whole_document);
  CHECK_FALSE(s.modified_after);
  CHECK(s.contents.size() == der_length(s.contents));
  CHECK(s.contents.size() > 1000);
  CHECK(s.page == 1);
  CHECK(s.signing_time_text.rfind("D:2011", 0) == 0);

  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-itext");
  const auto out = dir / "countersigned.pdf";
  signature_spec spec;
  spec.where = at_position{1, 120, 200};
  spec.image = {"PNG", red_seal_png()};
  spec.sub_filter = "adbe.pkcs7.detached";
  sign_pdf(in, out, spec, make_signer("RSA", "Second"));
  const auto sig = run_pdfsig(out);
  INFO(sig.output);
  CHECK(sig.valid == 2);
  CHECK(sig.output.find("[0 - 11870], [77408 - 107532]") != std::string::npos);
  found = find_signatures(out);
  REQUIRE(found.size() == 2);
  CHECK(found[0].field_name == "Signature1");
  CHECK(found[0].covers_whole_revision);
  CHECK_FALSE(found[0].covers_whole_document);
  CHECK(found[0].modified_after);
  CHECK(found[1].sub_filter == "adbe.pkcs7.detached");
  CHECK(found[1].covers_whole_document);
  std::filesystem::remove_all(dir);
}

TEST_CASE("empty signature fields and unsigned files give no signatures") {
  CHECK(find_signatures(sample_pdf("xrefstream_objstm_acroform_5rev_acrobat10.pdf")).empty());
  CHECK(find_signatures(sample_pdf("simple_table_openoffice11.pdf")).empty());
  CHECK(find_signatures(sample_pdf("hybrid_acroform_3rev_distiller8.pdf")).empty());
}

TEST_CASE("names, reason and location round-trip as UTF-8 text strings") {
  const auto dir = sealbridge::testing::fresh_temp_dir("sb-pdf-text");
  const auto out = dir / "text.pdf";
  signature_spec spec;
  spec.where = at_position{1, 20, 20};
  spec.image = {"PNG", red_seal_png(40)};
  spec.field_name = "公司印章";
  spec.name = "示例科技有限公司 (Example) \\ 😀";
  spec.reason = "Plain (ASCII) reason \\ here";
  spec.location = "北京市";
  spec.signing_time =
      std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + std::chrono::hours{8};
  sign_pdf(sample_pdf("simple_table_openoffice11.pdf"), out, spec, make_signer("P-256", "Text"));
  const auto found = find_signatures(out);
  REQUIRE(found.size() == 1);
  CHECK(found[0].field_name == spec.field_name);
  CHECK(found[0].name == spec.name);
  CHECK(found[0].reason == spec.reason);
  CHECK(found[0].location == spec.location);
  CHECK(found[0].signing_time_text == "D:20261201080000+00'00'");
  const auto sig = run_pdfsig(out);
  CHECK(sig.valid == 1);
  CHECK(qpdf_field_names(out).count("公司印章") == 1);
  std::filesystem::remove_all(dir);
}
