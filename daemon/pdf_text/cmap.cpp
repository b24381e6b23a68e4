#include "pdf_text/cmap.hpp"

#include <algorithm>
#include <memory>
#include <qpdf/BufferInputSource.hh>
#include <qpdf/QPDFTokenizer.hh>
#include <string>

namespace sealbridge::pdf {
namespace {

// Ranges wider than a two-byte code space are hostile or broken.
constexpr std::uint32_t kMaxRangeSize = 0x10000;

struct operand {
  QPDFTokenizer::token_type_e type;
  std::string value;
  std::vector<std::string> items;  // strings of an array
};

bool parse_int(const std::string& text, std::uint32_t& out) {
  if (text.empty() || text.size() > 9 || text[0] == '-') return false;
  std::uint32_t v = 0;
  for (char c : text) {
    if (c == '+') continue;
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  out = v;
  return true;
}

bool code_fits(std::string_view bytes) {
  return !bytes.empty() && bytes.size() <= 4;
}

}  // namespace

std::uint32_t big_endian_code(std::string_view bytes) {
  std::uint32_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

std::u32string utf16be_to_u32(std::string_view bytes) {
  std::u32string out;
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    char32_t unit = static_cast<char32_t>((static_cast<unsigned char>(bytes[i]) << 8) |
                                          static_cast<unsigned char>(bytes[i + 1]));
    if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < bytes.size()) {
      char32_t low = static_cast<char32_t>((static_cast<unsigned char>(bytes[i + 2]) << 8) |
                                           static_cast<unsigned char>(bytes[i + 3]));
      if (low >= 0xDC00 && low < 0xE000) {
        out.push_back(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    if (unit >= 0xD800 && unit < 0xE000) unit = 0xFFFD;
    out.push_back(unit);
  }
  return out;
}

cmap cmap::parse(std::string_view program, work_budget& budget) {
  cmap result;
  auto input = std::make_shared<BufferInputSource>("cmap", std::string(program));
  QPDFTokenizer tokenizer;
  tokenizer.allowEOF();

  std::vector<operand> operands;
  bool in_array = false;
  for (;;) {
    auto token = tokenizer.readToken(input, "cmap", true);
    const auto type = token.getType();
    if (type == QPDFTokenizer::tt_eof) break;
    budget.spend_table_entries(1);
    if (type == QPDFTokenizer::tt_array_open) {
      in_array = true;
      operands.push_back({type, {}, {}});
      continue;
    }
    if (type == QPDFTokenizer::tt_array_close) {
      in_array = false;
      continue;
    }
    if (in_array) {
      if (type == QPDFTokenizer::tt_string) operands.back().items.push_back(token.getValue());
      continue;
    }
    if (type != QPDFTokenizer::tt_word) {
      if (type == QPDFTokenizer::tt_string || type == QPDFTokenizer::tt_integer ||
          type == QPDFTokenizer::tt_name) {
        operands.push_back({type, token.getValue(), {}});
      }
      continue;
    }

    const std::string& word = token.getValue();
    if (word == "endcodespacerange") {
      for (std::size_t i = 0; i + 1 < operands.size(); i += 2) {
        const auto& lo = operands[i].value;
        const auto& hi = operands[i + 1].value;
        if (operands[i].type != QPDFTokenizer::tt_string || !code_fits(lo) ||
            lo.size() != hi.size())
          continue;
        result.code_space_.push_back({lo.size(), big_endian_code(lo), big_endian_code(hi)});
      }
    } else if (word == "endbfchar") {
      for (std::size_t i = 0; i + 1 < operands.size(); i += 2) {
        if (operands[i].type != QPDFTokenizer::tt_string || !code_fits(operands[i].value) ||
            operands[i + 1].type != QPDFTokenizer::tt_string)
          continue;
        result.unicode_[big_endian_code(operands[i].value)] = utf16be_to_u32(operands[i + 1].value);
      }
    } else if (word == "endbfrange") {
      for (std::size_t i = 0; i + 2 < operands.size(); i += 3) {
        const auto& lo = operands[i].value;
        const auto& hi = operands[i + 1].value;
        if (operands[i].type != QPDFTokenizer::tt_string || !code_fits(lo) || !code_fits(hi))
          continue;
        const std::uint32_t low = big_endian_code(lo);
        const std::uint32_t high = big_endian_code(hi);
        if (high < low || high - low >= kMaxRangeSize) continue;
        budget.spend_table_entries(high - low + 1);
        const auto& dst = operands[i + 2];
        if (dst.type == QPDFTokenizer::tt_array_open) {
          for (std::uint32_t c = low; c <= high && c - low < dst.items.size(); ++c)
            result.unicode_[c] = utf16be_to_u32(dst.items[c - low]);
        } else if (dst.type == QPDFTokenizer::tt_string) {
          std::u32string text = utf16be_to_u32(dst.value);
          if (text.empty()) continue;
          for (std::uint32_t c = low; c <= high; ++c) {
            result.unicode_[c] = text;
            ++text.back();
          }
        }
      }
    } else if (word == "endcidchar") {
      for (std::size_t i = 0; i + 1 < operands.size(); i += 2) {
        std::uint32_t cid = 0;
        if (operands[i].type != QPDFTokenizer::tt_string || !code_fits(operands[i].value) ||
            !parse_int(operands[i + 1].value, cid))
          continue;
        const std::uint32_t code = big_endian_code(operands[i].value);
        result.cid_ranges_.push_back({code, code, cid});
      }
    } else if (word == "endcidrange") {
      for (std::size_t i = 0; i + 2 < operands.size(); i += 3) {
        std::uint32_t cid = 0;
        const auto& lo = operands[i].value;
        const auto& hi = operands[i + 1].value;
        if (operands[i].type != QPDFTokenizer::tt_string || !code_fits(lo) || !code_fits(hi) ||
            !parse_int(operands[i + 2].value, cid))
          continue;
        if (big_endian_code(hi) < big_endian_code(lo)) continue;
        result.cid_ranges_.push_back({big_endian_code(lo), big_endian_code(hi), cid});
      }
    }
    operands.clear();
  }
  std::stable_sort(result.cid_ranges_.begin(), result.cid_ranges_.end(),
                   [](const cid_range& a, const cid_range& b) { return a.low < b.low; });
  return result;
}

char_code cmap::next_code(std::string_view bytes) const {
  std::size_t shortest = 4;
  for (const auto& range : code_space_) {
    shortest = std::min(shortest, range.length);
    if (bytes.size() < range.length) continue;
    bool inside = true;
    for (std::size_t i = 0; i < range.length && inside; ++i) {
      const unsigned shift = static_cast<unsigned>(8 * (range.length - 1 - i));
      const auto b = static_cast<unsigned char>(bytes[i]);
      inside = b >= ((range.low >> shift) & 0xFF) && b <= ((range.high >> shift) & 0xFF);
    }
    if (inside) return {big_endian_code(bytes.substr(0, range.length)), range.length};
  }
  const std::size_t n = std::min(code_space_.empty() ? 1 : shortest, bytes.size());
  return {big_endian_code(bytes.substr(0, n)), n};
}

const std::u32string* cmap::unicode(std::uint32_t code) const {
  auto it = unicode_.find(code);
  return it == unicode_.end() ? nullptr : &it->second;
}

std::optional<std::uint32_t> cmap::cid(std::uint32_t code) const {
  // Ranges are sorted by their first code; well-formed CMaps do not overlap them.
  auto it = std::upper_bound(cid_ranges_.begin(), cid_ranges_.end(), code,
                             [](std::uint32_t c, const cid_range& r) { return c < r.low; });
  if (it == cid_ranges_.begin()) return std::nullopt;
  --it;
  if (code > it->high) return std::nullopt;
  return it->first_cid + (code - it->low);
}

}  // namespace sealbridge::pdf
