#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>
#include <string>

#include "core/error.hpp"
#include "fixture_pdf.hpp"
#include "pdf_text/text_locate.hpp"

using sealbridge::errc;
using sealbridge::pdf::find_text;

namespace {

// "盖章处" at (x, y), 10 pt.
std::string seal_here_at(int x, int y) {
  return "BT /F1 10 Tf " + std::to_string(x) + " " + std::to_string(y) +
         " Td <000500060009> Tj ET\n";
}

QPDFObjectHandle form(QPDF& pdf, QPDFObjectHandle resources, const std::string& content) {
  auto f = QPDFObjectHandle::newStream(&pdf, content);
  f.replaceDict(QPDFObjectHandle::parse("<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] >>"));
  f.getDict().replaceKey("/Resources", resources);
  return pdf.makeIndirectObject(f);
}

// Resources with the CJK font and a chain of forms /X0 .. /X<n-1>, form i drawing /X<i+1>
// `fan_out` times; the last form shows "盖章处".
QPDFObjectHandle chained_forms(QPDF& pdf, int n, int fan_out, const std::string& at_fifth = {}) {
  auto resources = fixture::cjk_resources(pdf);
  auto xobjects = QPDFObjectHandle::newDictionary();
  resources.replaceKey("/XObject", xobjects);
  for (int i = n - 1; i >= 0; --i) {
    std::string content = i == n - 1 ? seal_here_at(100, 100) : "";
    for (int k = 0; i < n - 1 && k < fan_out; ++k)
      content += "/X" + std::to_string(i + 1) + " Do\n";
    if (i == 5) content += at_fifth;
    xobjects.replaceKey("/X" + std::to_string(i), form(pdf, resources, content));
  }
  return resources;
}

errc error_of(QPDF& pdf, const char* needle) {
  try {
    (void)find_text(pdf, needle);
  } catch (const sealbridge::error& e) {
    return e.code();
  }
  FAIL("no error");
  return errc::internal;
}

}  // namespace

TEST_CASE("a Form XObject that draws itself is drawn once", "[pdf_text][hostile]") {
  QPDF pdf;
  pdf.emptyPDF();
  auto resources = fixture::cjk_resources(pdf);
  auto xobjects = QPDFObjectHandle::newDictionary();
  resources.replaceKey("/XObject", xobjects);
  xobjects.replaceKey("/Me", form(pdf, resources, seal_here_at(100, 100) + "/Me Do\n"));
  fixture::add_page(pdf, resources, "/Me Do\n");
  CHECK(find_text(pdf, "盖章处").size() == 1);
}

TEST_CASE("forms nested past the depth limit are not followed", "[pdf_text][hostile]") {
  QPDF pdf;
  pdf.emptyPDF();
  fixture::add_page(pdf, chained_forms(pdf, 30, 1, "BT /F1 10 Tf 50 50 Td <00010002> Tj ET"),
                    "/X0 Do\n");
  CHECK(find_text(pdf, "盖章处").empty());
  CHECK(find_text(pdf, "投标").size() == 1);
}

TEST_CASE("a fan-out of nested forms stops at the draw budget", "[pdf_text][hostile]") {
  QPDF pdf;
  pdf.emptyPDF();
  fixture::add_page(pdf, chained_forms(pdf, 12, 10), "/X0 Do\n");
  CHECK(error_of(pdf, "盖章处") == errc::pdf_unsupported);
}

TEST_CASE("a content stream over the size limit is pdf_unsupported", "[pdf_text][hostile]") {
  QPDF pdf;
  pdf.emptyPDF();
  fixture::add_page(pdf, fixture::cjk_resources(pdf),
                    seal_here_at(100, 100) + std::string((64u << 20) + 1, ' '));
  CHECK(error_of(pdf, "盖章处") == errc::pdf_unsupported);
}

TEST_CASE("broken operators and operands are skipped", "[pdf_text][hostile]") {
  std::string content = "Tj Tf cm Tm TJ ' \" Td TD T* Do BT ET [ [ ] ] << /A << /B [ >> >> ) >\n";
  content += "q ";
  for (int i = 0; i < 40; ++i) content += "1e38 0 0 99999999999999999999999999999999999 0 0 cm ";
  content += "Q\n";
  for (int i = 0; i < 2000; ++i) content += "q ";
  content += "\nBI /W 4 /H 1 /BPC 8 /CS /G ID \x01\x02\x03\xff EI\n";
  content += "BT /NoSuchFont 10 Tf (abc) Tj /F1 10 Tf /F1 Tf 10 Tz 100 Tz ET\n";
  content += seal_here_at(100, 100);
  content += "BT (unterminated <zz";

  QPDF pdf;
  pdf.emptyPDF();
  fixture::add_page(pdf, fixture::cjk_resources(pdf), content);
  const auto hits = find_text(pdf, "盖章处");
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].box[0] == Approx(100));
  CHECK(hits[0].box[2] == Approx(130));
}

TEST_CASE("a hostile ToUnicode CMap runs into the table budget", "[pdf_text][hostile]") {
  QPDF pdf;
  pdf.emptyPDF();
  std::string cmap = "1 begincodespacerange <0000> <FFFF> endcodespacerange\n";
  for (int i = 0; i < 70; ++i) cmap += "1 beginbfrange <0000> <FFFF> <0041> endbfrange\n";
  auto resources = fixture::cjk_resources(pdf);
  resources.getKey("/Font").getKey("/F1").replaceKey("/ToUnicode",
                                                     QPDFObjectHandle::newStream(&pdf, cmap));
  fixture::add_page(pdf, resources, seal_here_at(100, 100));
  CHECK(error_of(pdf, "盖章处") == errc::pdf_unsupported);
}

TEST_CASE("a password-protected PDF is pdf_unsupported; an owner-only one is read",
          "[pdf_text][hostile]") {
  const auto dir = std::filesystem::temp_directory_path();
  const auto pid = std::to_string(::getpid());
  const auto source = dir / ("sealbridge-pdf-text-plain-" + pid + ".pdf");
  fixture::write(source);
  for (const char* user : {"secret", ""}) {
    const auto file = dir / ("sealbridge-pdf-text-encrypted-" + pid + ".pdf");
    {
      QPDF pdf;
      pdf.processFile(source.string().c_str());
      // QPDFWriter keeps the name's pointer: the string must outlive the writer.
      const std::string file_name = file.string();
      QPDFWriter writer(pdf, file_name.c_str());
      writer.setR6EncryptionParameters(user, "owner", true, false, true, true, true, false,
                                       qpdf_r3p_full, true);
      writer.write();
    }
    if (*user) {
      try {
        (void)find_text(file, "盖章处");
        FAIL("read without the password");
      } catch (const sealbridge::error& e) {
        CHECK(e.code() == errc::pdf_unsupported);
      }
    } else {
      CHECK(find_text(file, "盖章处").size() == 2);
    }
    std::filesystem::remove(file);
  }
  std::filesystem::remove(source);
}
