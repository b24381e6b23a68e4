#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pdf_text/work_budget.hpp"

namespace sealbridge::pdf {

// One code read from a shown string: its value and how many bytes it took.
struct char_code {
  std::uint32_t value;
  std::size_t length;
};

// A CMap stream as PDF uses them: a ToUnicode map (bfchar/bfrange) or an embedded encoding
// CMap of a Type0 font (codespacerange, cidchar/cidrange). Only what text location needs.
class cmap {
 public:
  // Reads the CMap program; malformed parts are skipped, never an exception but for the budget.
  static cmap parse(std::string_view program, work_budget& budget);

  bool has_code_space() const { return !code_space_.empty(); }
  // Reads the next code at the front of `bytes` (not empty) using the codespace ranges; a byte
  // sequence no range matches is taken with the shortest range length, as readers do.
  char_code next_code(std::string_view bytes) const;

  const std::u32string* unicode(std::uint32_t code) const;
  std::optional<std::uint32_t> cid(std::uint32_t code) const;

 private:
  struct code_range {
    std::size_t length;
    std::uint32_t low;
    std::uint32_t high;
  };
  struct cid_range {
    std::uint32_t low;
    std::uint32_t high;
    std::uint32_t first_cid;
  };

  std::vector<code_range> code_space_;
  std::unordered_map<std::uint32_t, std::u32string> unicode_;
  std::vector<cid_range> cid_ranges_;
};

// The code of a big-endian byte string of 1 to 4 bytes.
std::uint32_t big_endian_code(std::string_view bytes);
// Unicode text of a UTF-16BE byte string (as CMaps and PDF text strings carry it).
std::u32string utf16be_to_u32(std::string_view bytes);

}  // namespace sealbridge::pdf
