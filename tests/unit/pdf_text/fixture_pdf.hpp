#pragma once

#include <array>
#include <filesystem>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <string>

// A two-page PDF written for the tests, with text placed at known positions:
//  page 1: "投标人（盖章）：" in a Type0 Identity-H font with a ToUnicode CMap (no glyph program:
//          text location needs only codes, CMap and widths); "Bidder (seal):" in a simple
//          WinAnsi font with a TJ kerning and word spacing; "盖章处" in a Form XObject with its
//          own /Matrix under a page cm; "盖章" rotated by 90 degrees.
//  page 2: "盖章处" once more.
namespace fixture {

// The boxes the content streams place the texts at, worked out by hand from the operators.
constexpr std::array<double, 4> kBidderSealZh = {72, 698.56, 168, 710.56};
constexpr std::array<double, 4> kBidderSealEn = {72, 597.516, 178.4, 608.616};
constexpr std::array<double, 4> kFormSealHere = {70, 137.6, 130, 157.6};
constexpr std::array<double, 4> kRotatedSeal = {291.2, 300, 301.2, 320};
constexpr std::array<double, 4> kPage2SealHere = {300, 397.6, 360, 417.6};

void write(const std::filesystem::path& file);

// Building blocks for other test documents. The Type0 font's codes 1..9 are
// 投 标 人 （ 盖 章 ） ： 处, each 1000 units wide.
QPDFObjectHandle cjk_font(QPDF& pdf);
// Appends a 595 x 842 page with these resources and content to an emptyPDF() document.
void add_page(QPDF& pdf, QPDFObjectHandle resources, const std::string& content);
// Resources with the Type0 font as /F1.
QPDFObjectHandle cjk_resources(QPDF& pdf);

}  // namespace fixture
