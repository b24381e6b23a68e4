#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealbridge::consent_dialog {

struct item {
  std::string name, pages, sha256, detail;
};

// The daemon's request (README.md), with every text already made safe to show.
struct request {
  std::string origin;
  std::string title_zh, title_en;
  std::string signer;
  std::vector<item> items;
  std::size_t item_count = 0;
  std::string picture_png;    // decoded bytes
  bool picture_sent = false;  // a picture came, even if its base64 did not decode
  bool want_pin = true;
  std::size_t pin_min = 4, pin_max = 64;
  std::optional<int> tries_left;
  bool final_try = false;
  bool english_first = false;
  int timeout_seconds = 120;
};

// Throws std::runtime_error for input that is not a request object.
request parse_request(std::string_view json_text);

// Valid UTF-8, no control or formatting characters (bidi overrides, zero-width marks could make
// one name look like another), at most `max_chars` characters (an ellipsis marks a cut).
std::string display_text(std::string_view text, std::size_t max_chars = 512);

}  // namespace sealbridge::consent_dialog
