#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"

namespace sealbridge::crypto {

// What a portal shows of an X.509 certificate.
struct certificate_info {
  std::string subject;  // one line, RFC 2253 order, UTF-8 kept as is ("CN=张三,O=示例公司,C=CN")
  std::string issuer;
  std::string serial_hex;
  sys_seconds not_before{};
  sys_seconds not_after{};
  std::string key_type;            // "RSA", "EC" or "SM2"
  std::vector<std::string> usage;  // key usage names as in RFC 5280, e.g. "digitalSignature"
};

// Throws error(errc::cert_invalid) when `der` is not one complete DER certificate.
certificate_info parse_certificate(byte_view der);

}  // namespace sealbridge::crypto
