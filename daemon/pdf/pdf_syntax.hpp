#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

// Small pieces of PDF syntax written by our own increment writer.
namespace sealbridge::pdf {

// A real in the shortest form that keeps 1/1000 pt: "12.345", "-3", "0".
std::string pdf_number(double value);
// A text string: a literal "(...)" for printable ASCII, else UTF-16BE with BOM as "<FEFF...>".
// Invalid UTF-8 sequences become U+FFFD.
std::string pdf_text_string(std::string_view utf8);
// A name object "/..." with # escapes for delimiters, '#', and bytes outside 0x21..0x7e.
std::string pdf_name(std::string_view name);
// "D:YYYYMMDDHHmmSS+00'00'" in UTC.
std::string pdf_date(std::chrono::system_clock::time_point t);
// A PDF text string's bytes (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding) as UTF-8.
std::string text_string_to_utf8(std::string_view pdf_bytes);

}  // namespace sealbridge::pdf
