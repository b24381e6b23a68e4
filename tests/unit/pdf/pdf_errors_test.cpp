#include <catch2/catch.hpp>
#include <qpdf/QPDF.hh>

#include "core/error.hpp"
#include "pdf/pdf_signer.hpp"
#include "pdf_test_support.hpp"

using namespace sealbridge::pdf;
using namespace sealbridge::pdf::testing;
using sealbridge::errc;

using sealbridge::testing::code_of;

namespace {

signature_spec simple_spec() {
  signature_spec spec;
  spec.where = at_position{1, 20, 20};
  spec.image = {"PNG", red_seal_png(64)};
  spec.signing_time = std::chrono::system_clock::now();
  return spec;
}

struct temp_dir {
  std::filesystem::path path = sealbridge::testing::fresh_temp_dir("sb-pdf-err");
  ~temp_dir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("encrypted PDFs are refused as unsupported, with or without a user password") {
  temp_dir dir;
  const auto plain = sample_pdf("simple_table_openoffice11.pdf").string();
  const auto locked = dir.path / "locked.pdf";
  const auto open = dir.path / "open.pdf";
  REQUIRE(sealbridge::testing::run("qpdf --encrypt user owner 256 -- '" + plain + "' '" +
                                   locked.string() + "'") == 0);
  REQUIRE(sealbridge::testing::run("qpdf --encrypt '' owner 256 -- '" + plain + "' '" +
                                   open.string() + "'") == 0);
  const auto out = dir.path / "out.pdf";
  CHECK(code_of([&] { prepare_signature(locked, out, simple_spec()); }) == errc::pdf_unsupported);
  CHECK(code_of([&] { prepare_signature(open, out, simple_spec()); }) == errc::pdf_unsupported);
  CHECK(code_of([&] { find_signatures(locked); }) == errc::pdf_unsupported);
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("damaged PDFs are refused as invalid and leave nothing behind") {
  temp_dir dir;
  const auto original = read_bytes(sample_pdf("simple_table_openoffice11.pdf"));
  const std::string text(original.begin(), original.end());
  const auto out = dir.path / "out.pdf";
  auto refused = [&](const std::string& name, const std::string& content) {
    const auto in = dir.path / name;
    write_bytes(in, content);
    INFO(name);
    CHECK(code_of([&] { prepare_signature(in, out, simple_spec()); }) == errc::pdf_invalid);
    CHECK(code_of([&] { page_geometries(in); }) == errc::pdf_invalid);
    CHECK_FALSE(std::filesystem::exists(out));
    std::filesystem::remove(in);
  };
  refused("half.pdf", text.substr(0, text.size() / 2));
  refused("tail_cut.pdf", text.substr(0, text.size() - 40));
  refused("garbage.pdf", std::string(5000, 'x'));
  refused("empty.pdf", "");
  refused("not_pdf.pdf", "hello world, this is not a PDF file at all\nstartxref\n10\n%%EOF\n");

  // A startxref a few bytes off: qpdf would rebuild the table; we refuse instead.
  std::string shifted = minimal_pdf();
  const auto at = shifted.rfind("startxref\n") + 10;
  const auto end = shifted.find('\n', at);
  const long offset = std::stol(shifted.substr(at, end - at));
  shifted.replace(at, end - at, std::to_string(offset + 3));
  refused("bad_startxref.pdf", shifted);

  // An xref entry pointing at the wrong object.
  std::string wrong_entry = minimal_pdf();
  const auto entry = wrong_entry.find(" 00000 n \n", wrong_entry.find("xref")) - 10;
  wrong_entry.replace(entry, 10, "0000000001");
  refused("bad_entry.pdf", wrong_entry);

  CHECK(code_of([&] { prepare_signature(dir.path / "missing.pdf", out, simple_spec()); }) ==
        errc::io_error);
  CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("certified PDFs: DocMDP P=1 refuses, P=2 allows the signature") {
  temp_dir dir;
  const auto signer = make_signer("P-256", "MDP");
  auto certified = [&](int p) {
    return minimal_pdf("/Perms << /DocMDP 5 0 R >>",
                       "<< /Type /Sig /Filter /Adobe.PPKLite /Reference [<< /Type /SigRef "
                       "/TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P " +
                           std::to_string(p) + " /V /1.2 >> >>] >>");
  };
  const auto p1 = dir.path / "p1.pdf";
  const auto p2 = dir.path / "p2.pdf";
  write_bytes(p1, certified(1));
  write_bytes(p2, certified(2));
  const auto out = dir.path / "out.pdf";
  CHECK(code_of([&] { prepare_signature(p1, out, simple_spec()); }) == errc::pdf_unsupported);
  CHECK_FALSE(std::filesystem::exists(out));
  sign_pdf(p2, out, simple_spec(), signer);
  CHECK(run_pdfsig(out).valid == 1);
}

TEST_CASE("a CMS larger than the reserve is refused, never truncated") {
  temp_dir dir;
  const auto out = dir.path / "out.pdf";
  auto spec = simple_spec();
  spec.contents_reserve = 1024;
  {
    auto pending = prepare_signature(sample_pdf("simple_table_openoffice11.pdf"), out, spec);
    const auto br = pending.byte_range();
    CHECK(br[2] - br[1] == 2 * 1024 + 2);
    CHECK(code_of([&] { pending.finish(sealbridge::bytes(1025, 0x30)); }) ==
          errc::pdf_signature_too_large);
    CHECK_FALSE(pending.finished());
    // The placeholder is untouched.
    const auto after = read_bytes(out);
    CHECK(std::string(after.begin() + static_cast<long>(br[1]),
                      after.begin() + static_cast<long>(br[2])) ==
          "<" + std::string(2048, '0') + ">");
  }
  // Abandoned unfinished: the placeholder file is removed.
  CHECK_FALSE(std::filesystem::exists(out));

  auto pending = prepare_signature(sample_pdf("simple_table_openoffice11.pdf"), out, spec);
  pending.finish(sealbridge::bytes(1024, 0x30));
  CHECK(pending.finished());
  CHECK(code_of([&] { pending.finish(sealbridge::bytes(10, 0x30)); }) == errc::bad_params);
}

TEST_CASE("bad specs are refused as bad params") {
  temp_dir dir;
  const auto in = sample_pdf("simple_table_openoffice11.pdf");
  const auto out = dir.path / "out.pdf";
  auto spec = simple_spec();
  spec.sub_filter = "adbe.x509.rsa_sha1";
  CHECK(code_of([&] { prepare_signature(in, out, spec); }) == errc::bad_params);
  spec = simple_spec();
  spec.width_mm = 0;
  CHECK(code_of([&] { prepare_signature(in, out, spec); }) == errc::bad_params);
  spec = simple_spec();
  spec.field_name = "a.b";
  CHECK(code_of([&] { prepare_signature(in, out, spec); }) == errc::bad_params);
  spec = simple_spec();
  spec.contents_reserve = 10;
  CHECK(code_of([&] { prepare_signature(in, out, spec); }) == errc::bad_params);
  // An existing field name is taken.
  spec = simple_spec();
  spec.field_name = "Signature1";
  CHECK(code_of([&] {
          prepare_signature(sample_pdf("signed_valid_itext_table_acroform.pdf"), out, spec);
        }) == errc::bad_params);
  // Signing into the input itself.
  const auto copy = dir.path / "copy.pdf";
  std::filesystem::copy_file(in, copy);
  CHECK(code_of([&] { prepare_signature(copy, copy, simple_spec()); }) == errc::bad_params);
  CHECK(read_bytes(copy) == read_bytes(in));
  std::filesystem::remove(copy);
  CHECK(std::filesystem::is_empty(dir.path));
}

TEST_CASE("a file without a final end of line gets one before the increment") {
  temp_dir dir;
  const auto signer = make_signer("RSA", "EOL");
  std::string text = minimal_pdf();
  while (text.back() == '\n') text.pop_back();
  const auto in = dir.path / "no_eol.pdf";
  write_bytes(in, text);
  const auto out = dir.path / "out.pdf";
  sign_pdf(in, out, simple_spec(), signer);
  const auto signed_bytes = read_bytes(out);
  CHECK(std::string(signed_bytes.begin() + static_cast<long>(text.size()) - 5,
                    signed_bytes.begin() + static_cast<long>(text.size()) + 1) == "%%EOF\n");
  CHECK(run_pdfsig(out).valid == 1);
  CHECK(qpdf_check_clean(out));
}

TEST_CASE(
    "the increment keeps /Info, keeps /ID[0], points /Prev at the last startxref, drops UR3") {
  temp_dir dir;
  const auto signer = make_signer("RSA", "Trailer");
  struct expectation {
    const char* name;
    long long prev;
  };
  for (const auto& [name, prev] : {expectation{"linearized_chinese_table.pdf", 216},
                                   expectation{"form_ur3_incremental_mediabox_offset.pdf", 328035},
                                   expectation{"hybrid_acroform_3rev_distiller8.pdf", 47626}}) {
    INFO(name);
    const auto in = sample_pdf(name);
    const auto out = dir.path / name;
    sign_pdf(in, out, simple_spec(), signer);
    QPDF before, after;
    before.processFile(in.c_str());
    after.processFile(out.c_str());
    CHECK(after.getTrailer().getKey("/Prev").getIntValue() == prev);
    CHECK(after.getTrailer().getKey("/Info").getObjGen() ==
          before.getTrailer().getKey("/Info").getObjGen());
    CHECK(after.getTrailer().getKey("/ID").getArrayItem(0).getStringValue() ==
          before.getTrailer().getKey("/ID").getArrayItem(0).getStringValue());
    CHECK(after.getTrailer().getKey("/ID").getArrayItem(1).getStringValue() !=
          before.getTrailer().getKey("/ID").getArrayItem(1).getStringValue());
    auto perms = after.getRoot().getKey("/Perms");
    CHECK_FALSE((perms.isDictionary() && perms.hasKey("/UR3")));
    // The input bytes are the prefix of the output.
    const auto a = read_bytes(in), b = read_bytes(out);
    REQUIRE(b.size() > a.size());
    CHECK(std::equal(a.begin(), a.end(), b.begin()));
    // Small increment: a 64 px seal plus 32 KiB of hex and the rewritten objects.
    CHECK(b.size() - a.size() < 60000);
  }
}
