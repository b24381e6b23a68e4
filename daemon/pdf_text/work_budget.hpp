#pragma once

#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace sealbridge::pdf {

// Caps the work one search may do on hostile input: decoded content bytes, content tokens,
// glyphs and font-table entries. Running out is error(pdf_unsupported), never a hang.
class work_budget {
 public:
  static constexpr std::size_t kStreamBytes = 64u << 20;    // one decoded stream
  static constexpr std::size_t kContentBytes = 512u << 20;  // all decoded streams of a search
  static constexpr std::size_t kTokens = 20'000'000;        // content tokens of a search
  static constexpr std::size_t kGlyphs = 5'000'000;         // glyphs shown in a search
  static constexpr std::size_t kPageGlyphs = 500'000;       // glyphs kept for one page
  static constexpr std::size_t kFormDraws = 100'000;        // Form XObjects drawn in a search
  static constexpr std::size_t kTableEntries = 4'000'000;   // CMap and width entries read
  static constexpr int kFormDepth = 12;                     // nested Form XObjects

  void spend_bytes(std::size_t n) { spend(content_bytes_, n, kContentBytes, "content bytes"); }
  void spend_token() { spend(tokens_, 1, kTokens, "content tokens"); }
  void spend_glyph() { spend(glyphs_, 1, kGlyphs, "glyphs"); }
  void spend_form_draw() { spend(form_draws_, 1, kFormDraws, "Form XObject draws"); }
  void spend_table_entries(std::size_t n) {
    spend(table_entries_, n, kTableEntries, "font table entries");
  }

 private:
  static void spend(std::size_t& used, std::size_t n, std::size_t limit, const char* what) {
    if (n > limit - used) throw error(errc::pdf_unsupported, std::string("too many ") + what);
    used += n;
  }

  std::size_t content_bytes_ = 0;
  std::size_t tokens_ = 0;
  std::size_t glyphs_ = 0;
  std::size_t form_draws_ = 0;
  std::size_t table_entries_ = 0;
};

}  // namespace sealbridge::pdf
