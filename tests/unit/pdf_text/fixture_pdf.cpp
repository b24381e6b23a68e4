#include "fixture_pdf.hpp"

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <string>

namespace fixture {
namespace {

// Codes 1..9 of the Type0 font: 投 标 人 （ 盖 章 ） ： 处
constexpr const char* kToUnicode =
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Fixture-UCS def /CMapType 2 def\n"
    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
    "2 beginbfchar <0001> <6295> <0002> <6807> endbfchar\n"
    "1 beginbfrange <0003> <0003> <4EBA> endbfrange\n"
    "1 beginbfrange <0004> <0008> [<FF08> <76D6> <7AE0> <FF09> <FF1A>] endbfrange\n"
    "1 beginbfchar <0009> <5904> endbfchar\n"
    "endcmap CMapName currentdict /CMap defineresource pop end end\n";

}  // namespace

QPDFObjectHandle cjk_font(QPDF& pdf) {
  auto descriptor = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /FontDescriptor /FontName /FixtureSong /Flags 4 /FontBBox [0 -120 1000 880]"
      " /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"));
  auto cid_font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /FixtureSong"
      " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
      " /DW 1000 /W [1 [1000 1000 1000] 4 9 1000] /CIDToGIDMap /Identity >>"));
  cid_font.replaceKey("/FontDescriptor", descriptor);
  auto font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Font /Subtype /Type0 /BaseFont /FixtureSong /Encoding /Identity-H >>"));
  font.replaceKey("/DescendantFonts", QPDFObjectHandle::newArray({cid_font}));
  font.replaceKey("/ToUnicode", QPDFObjectHandle::newStream(&pdf, kToUnicode));
  return font;
}

namespace {

QPDFObjectHandle latin_font(QPDF& pdf) {
  std::string widths = "[";
  for (int c = 32; c < 127; ++c) widths += " 600";
  widths += "]";
  auto descriptor = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /FontDescriptor /FontName /Helvetica /Flags 32 /FontBBox [-166 -225 1000 931]"
      " /ItalicAngle 0 /Ascent 718 /Descent -207 /CapHeight 718 /StemV 88 >>"));
  auto font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding"
      " /FirstChar 32 /LastChar 126 /Widths " +
      widths + " >>"));
  font.replaceKey("/FontDescriptor", descriptor);
  return font;
}

QPDFObjectHandle page(QPDF& pdf, QPDFObjectHandle resources, const std::string& content) {
  auto page =
      pdf.makeIndirectObject(QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 595 842] >>"));
  page.replaceKey("/Resources", resources);
  page.replaceKey("/Contents", QPDFObjectHandle::newStream(&pdf, content));
  return page;
}

}  // namespace

void add_page(QPDF& pdf, QPDFObjectHandle resources, const std::string& content) {
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(page(pdf, resources, content)), false);
}

QPDFObjectHandle cjk_resources(QPDF& pdf) {
  auto fonts = QPDFObjectHandle::newDictionary();
  fonts.replaceKey("/F1", cjk_font(pdf));
  auto resources = QPDFObjectHandle::newDictionary();
  resources.replaceKey("/Font", fonts);
  return resources;
}

void write(const std::filesystem::path& file) {
  QPDF pdf;
  pdf.emptyPDF();
  auto fonts = QPDFObjectHandle::newDictionary();
  fonts.replaceKey("/F1", cjk_font(pdf));
  fonts.replaceKey("/F2", latin_font(pdf));

  auto form_resources = QPDFObjectHandle::newDictionary();
  form_resources.replaceKey("/Font", fonts);
  auto form =
      QPDFObjectHandle::newStream(&pdf, "BT /F1 10 Tf 1 0 0 1 10 20 Tm <000500060009> Tj ET");
  form.replaceDict(QPDFObjectHandle::parse(
      "<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] /Matrix [2 0 0 2 0 100] >>"));
  form.getDict().replaceKey("/Resources", form_resources);

  auto resources = QPDFObjectHandle::newDictionary();
  resources.replaceKey("/Font", fonts);
  auto xobjects = QPDFObjectHandle::newDictionary();
  xobjects.replaceKey("/Fm1", form);
  resources.replaceKey("/XObject", xobjects);

  // Line 1 is shown one glyph per Tj with TD moves, as office producers do.
  const std::string page1 =
      "BT /F1 12 Tf 1 0 0 1 72 700 Tm <00010002> Tj 24 0 Td <0003> Tj 12 0 Td"
      " [<0004> 0 <00050006>] TJ 36 0 Td <00070008> Tj ET\n"
      "BT /F2 12 Tf 5 Tw 72 600 Td [(Bid) -50 (der \\(seal\\):)] TJ ET\n"
      "q 1 0 0 1 50 0 cm /Fm1 Do Q\n"
      "BT /F1 10 Tf 0 1 -1 0 300 300 Tm <00050006> Tj ET\n";
  const std::string page2 = "BT /F1 20 Tf 300 400 Td <000500060009> Tj ET\n";

  QPDFPageDocumentHelper pages(pdf);
  pages.addPage(QPDFPageObjectHelper(page(pdf, resources, page1)), false);
  pages.addPage(QPDFPageObjectHelper(page(pdf, resources, page2)), false);
  // QPDFWriter keeps the name's pointer: the string must outlive the writer.
  const std::string file_name = file.string();
  QPDFWriter writer(pdf, file_name.c_str());
  writer.setStaticID(true);
  writer.write();
}

}  // namespace fixture
