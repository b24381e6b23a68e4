#pragma once

#ifdef _WIN32

#include <string>
#include <string_view>

// Windows speaks UTF-16; the daemon speaks UTF-8. Conversions happen where a Win32 call is
// made (registry, LoadLibrary, error messages), nowhere else.
namespace sealbridge {

// Unpaired surrogates become U+FFFD.
std::string utf8_from_wide(std::wstring_view text);
// Invalid UTF-8 becomes U+FFFD.
std::wstring wide_from_utf8(std::string_view text);
// The system's message for a GetLastError() / LSTATUS code, in UTF-8, without the trailing
// line break; "error N" when the system has none.
std::string win32_error_text(unsigned long code);

}  // namespace sealbridge

#endif
