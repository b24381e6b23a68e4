#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"

// Text from outside the daemon (token and object labels, seal fields, certificate names)
// becomes valid UTF-8 once, where it enters; everything above trusts it. Chinese vendors write
// GBK wherever a standard says UTF-8 (CK_UTF8CHAR fields, UTF8String, even PrintableString),
// so invalid UTF-8 is read as GB18030, the superset of GBK and GB2312. Nothing here throws:
// an unreadable label must never take the daemon down.
namespace sealbridge {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Appends one code point as UTF-8; a surrogate or a value past U+10FFFF becomes U+FFFD.
void append_utf8(std::string& out, char32_t code_point);

// Valid UTF-8 comes back unchanged. Valid UTF-8 cut inside its last character (a fixed-width
// PKCS#11 field too short for the label) keeps what is there and ends in U+FFFD. Anything else
// is decoded as GB18030; bytes that are not GB18030 either become U+FFFD.
std::string to_utf8_lenient(std::string_view text);
std::string to_utf8_lenient(byte_view data);

// ASN.1 BMPString: UTF-16BE (UCS-2, plus surrogate pairs that some encoders write). An
// unpaired surrogate or an odd trailing byte becomes U+FFFD.
std::string from_bmp_string(byte_view data);

// ASN.1 UniversalString: UCS-4BE. Code points outside Unicode and a partial trailing unit
// become U+FFFD.
std::string from_universal_string(byte_view data);

// ASN.1 T61String (TeletexString). No real encoder writes T.61 proper: old OpenSSL (and the CA
// software built on it) put raw 8-bit input there, which on Chinese systems is GBK and in
// Europe Latin-1. The rule users would read: valid UTF-8 as is; else GB18030 when every byte
// decodes as GB18030; else Latin-1 (every byte is a character there, so nothing is lost).
std::string from_t61_string(byte_view data);

}  // namespace sealbridge
