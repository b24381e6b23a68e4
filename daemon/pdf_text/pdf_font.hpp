#pragma once

#include <array>
#include <memory>
#include <optional>
#include <qpdf/QPDFObjectHandle.hh>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pdf_text/cmap.hpp"
#include "pdf_text/work_budget.hpp"

namespace sealbridge::pdf {

// One glyph of a shown string, as the text locator needs it.
struct shown_glyph {
  std::u32string text;  // U+FFFD when the font does not say which text the glyph is
  double advance;       // horizontal displacement in text space per unit of font size
  bool word_space;      // the single-byte code 32, to which Tw applies
};

// What a font dictionary says about its codes: how a string splits into codes, the text and
// width of each, and the glyphs' vertical extent.
class pdf_font {
 public:
  static pdf_font load(QPDFObjectHandle font, work_budget& budget);
  // For a Tf naming no font: one-byte codes read as WinAnsi text, half an em wide.
  static pdf_font fallback();

  // Takes the first code off `bytes` (not empty) and tells its glyph. One at a time, so that a
  // huge string costs no more memory than the glyphs the caller keeps.
  shown_glyph next_glyph(std::string_view& bytes) const;
  double ascent() const { return ascent_; }    // em above the baseline
  double descent() const { return descent_; }  // em below the baseline, negative

 private:
  // How a Type0 font's codes become CIDs and, without ToUnicode, text.
  enum class cid_encoding { identity, embedded, ucs2, utf16, gb18030 };

  pdf_font() = default;
  void load_simple(QPDFObjectHandle font, work_budget& budget);
  void load_composite(QPDFObjectHandle font, work_budget& budget);
  void load_metrics(QPDFObjectHandle descriptor);
  shown_glyph composite_glyph(std::string_view& bytes) const;
  std::u32string predefined_text(std::uint32_t code, std::size_t length) const;

  bool composite_ = false;
  cid_encoding cid_encoding_ = cid_encoding::identity;
  std::optional<cmap> encoding_cmap_;
  std::optional<cmap> to_unicode_;
  std::array<std::u32string, 256> simple_text_;
  std::array<double, 256> simple_widths_{};
  std::unordered_map<std::uint32_t, double> cid_widths_;
  double default_width_ = 0.5;
  double width_scale_ = 0.001;  // glyph space to text space (Type3 fonts bring their own)
  double ascent_ = 0.8;
  double descent_ = -0.2;
};

}  // namespace sealbridge::pdf
