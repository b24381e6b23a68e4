#include "crypto/subject_name.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>

#include "core/error.hpp"

namespace sealbridge::crypto {
namespace {

constexpr std::array<std::string_view, 7> kOrder = {"C",  "ST", "L",           "O",
                                                    "OU", "CN", "emailAddress"};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string trim(std::string_view s) {
  auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(' ');
  return std::string(s.substr(first, last - first + 1));
}

[[noreturn]] void bad_subject(const std::string& why) {
  throw error(errc::bad_params, "subject: " + why);
}

}  // namespace

name_entries parse_rfc2253(std::string_view text) {
  name_entries reversed;
  std::size_t i = 0;
  while (i < text.size()) {
    auto eq = text.find('=', i);
    if (eq == std::string_view::npos)
      bad_subject("\"" + std::string(text.substr(i)) + "\" has no '='");
    auto type = trim(text.substr(i, eq - i));
    if (type.empty()) bad_subject("empty attribute name");
    std::string value;
    i = eq + 1;
    if (i < text.size() && text[i] == '#') bad_subject("hex-encoded values are not supported");
    bool closed = false;
    while (i < text.size()) {
      char c = text[i];
      if (c == ',') {
        ++i;
        closed = true;
        break;
      }
      if (c == '+') bad_subject("multi-valued RDNs are not supported");
      if (c == '\\') {
        if (i + 1 >= text.size()) bad_subject("dangling '\\'");
        int hi = hex_digit(text[i + 1]);
        int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
          value.push_back(static_cast<char>(hi * 16 + lo));
          i += 3;
        } else {
          value.push_back(text[i + 1]);
          i += 2;
        }
        continue;
      }
      value.push_back(c);
      ++i;
    }
    if (value.empty()) bad_subject(type + " has an empty value");
    reversed.emplace_back(std::move(type), std::move(value));
    if (closed && i >= text.size()) bad_subject("trailing ','");
    while (i < text.size() && text[i] == ' ') ++i;
  }
  if (reversed.empty()) bad_subject("empty");
  return name_entries(reversed.rbegin(), reversed.rend());
}

name_entries order_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  if (fields.empty()) bad_subject("no fields");
  name_entries out;
  for (auto name : kOrder) {
    for (const auto& [key, value] : fields) {
      if (key != name) continue;
      if (value.empty()) bad_subject(key + " is empty");
      out.emplace_back(key, value);
    }
  }
  for (const auto& field : fields) {
    if (std::find(kOrder.begin(), kOrder.end(), field.first) == kOrder.end())
      bad_subject("unknown field \"" + field.first + "\" (use C, ST, L, O, OU, CN, emailAddress)");
  }
  return out;
}

x509_name_ptr make_name(const name_entries& entries) {
  x509_name_ptr name{X509_NAME_new()};
  if (!name) throw error(errc::internal, "X509_NAME_new failed");
  for (const auto& [type, value] : entries) {
    if (OBJ_txt2nid(type.c_str()) == NID_undef) {
      ERR_clear_error();
      bad_subject("unknown attribute \"" + type + "\"");
    }
    // The country code table entry forces PrintableString; the global mask gives UTF8String
    // for the rest.
    if (X509_NAME_add_entry_by_txt(name.get(), type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      ERR_clear_error();
      bad_subject("invalid value for " + type);
    }
  }
  return name;
}

}  // namespace sealbridge::crypto
