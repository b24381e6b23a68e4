#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/openssl_ptr.hpp"

// The subject of a certificate request, as a portal gives it.
namespace sealbridge::crypto {

using x509_name_ptr = std::unique_ptr<X509_NAME, openssl_deleter<X509_NAME_free>>;

// (attribute short name, UTF-8 value), in DER order: the most significant (C) first.
using name_entries = std::vector<std::pair<std::string, std::string>>;

// "CN=张三,OU=加密,O=示例科技有限公司,C=CN" (RFC 2253/4514: most significant last, `\` escapes
// including `\XX` hex pairs, blanks after commas tolerated). Multi-valued RDNs (`+`) and
// `#hex` values are refused. Throws error(bad_params).
name_entries parse_rfc2253(std::string_view text);

// Named fields in any order ({"CN": …, "O": …}) put into X.500 order: C, ST, L, O, OU, CN,
// then emailAddress. Unknown or empty names and empty values throw error(bad_params).
name_entries order_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// Country as PrintableString, everything else UTF8String (what Chinese CAs issue).
x509_name_ptr make_name(const name_entries& entries);

}  // namespace sealbridge::crypto
