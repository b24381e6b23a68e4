#include "answer.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cstdio>

#include "dialog_io.hpp"

namespace sealbridge::consent_dialog {

namespace {

// Big enough for any PIN the window accepts (256 bytes, each at most 6 when escaped).
using line_buffer = std::array<char, 2048>;

class line_writer {
 public:
  ~line_writer() { OPENSSL_cleanse(buffer_.data(), buffer_.size()); }

  bool append(std::string_view text) {
    if (buffer_.size() - size_ < text.size()) return false;
    for (char c : text) buffer_[size_++] = c;
    return true;
  }

  bool append_json_string(std::string_view text) {
    if (!append("\"")) return false;
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      bool ok = true;
      if (c == '"')
        ok = append("\\\"");
      else if (c == '\\')
        ok = append("\\\\");
      else if (u < 0x20) {
        char escaped[7];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
        ok = append(std::string_view(escaped, 6));
        OPENSSL_cleanse(escaped, sizeof escaped);
      } else {
        ok = append(std::string_view(&c, 1));
      }
      if (!ok) return false;
    }
    return append("\"");
  }

  bool flush() { return write_all_stdout(std::string_view(buffer_.data(), size_)); }

 private:
  line_buffer buffer_{};
  std::size_t size_ = 0;
};

}  // namespace

bool write_approval(std::string_view pin) {
  line_writer line;
  return line.append("{\"approved\":true,\"pin\":") && line.append_json_string(pin) &&
         line.append("}\n") && line.flush();
}

bool write_refusal(std::string_view reason) {
  line_writer line;
  return line.append("{\"approved\":false,\"reason\":") && line.append_json_string(reason) &&
         line.append("}\n") && line.flush();
}

}  // namespace sealbridge::consent_dialog
