#pragma once

#include <openssl/types.h>

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"

namespace sealbridge::crypto {

// What a portal shows of an X.509 certificate.
struct certificate_info {
  // One line, RFC 2253 order, valid UTF-8 whatever the string types and bytes the issuer used
  // (GBK decoded, see core/text.hpp): "CN=张三,O=示例公司,C=CN".
  std::string subject;
  std::string issuer;
  std::string serial_hex;
  sys_seconds not_before{};
  sys_seconds not_after{};
  std::string key_type;            // "RSA", "EC" or "SM2"
  std::vector<std::string> usage;  // key usage names as in RFC 5280, e.g. "digitalSignature"
};

// Throws error(errc::cert_invalid) when `der` is not one complete DER certificate.
certificate_info parse_certificate(byte_view der);

// An X.509 time as UTC seconds. Throws error(errc::cert_invalid) when it cannot be read.
sys_seconds asn1_time_to_sys_seconds(const ASN1_TIME* t);

}  // namespace sealbridge::crypto
