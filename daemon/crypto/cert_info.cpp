#include "crypto/cert_info.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "core/text.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl_ptr.hpp"

namespace sealbridge::crypto {
namespace {

// OPENSSL_free is a macro, so it cannot be a template argument of openssl_deleter.
struct openssl_string_free {
  void operator()(char* p) const noexcept { OPENSSL_free(p); }
};

std::string upper_hex(byte_view data) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (auto b : data) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

// "#" and the value's DER in hex, as RFC 2253 writes what it cannot show as text.
std::string dumped(const ASN1_STRING* value) {
  ASN1_TYPE wrapper{};
  wrapper.type = ASN1_STRING_type(value);
  wrapper.value.asn1_string = const_cast<ASN1_STRING*>(value);
  const int len = i2d_ASN1_TYPE(&wrapper, nullptr);
  if (len <= 0) throw error(errc::cert_invalid, "unprintable name");
  bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_ASN1_TYPE(&wrapper, &p);
  return "#" + upper_hex(der);
}

// The value as users read it. OpenSSL's own printing copies UTF8String bytes unchecked and
// reads PrintableString and T61String as Latin-1, so GBK (which Chinese CAs put into all
// three) came out as invalid UTF-8 or mojibake; each string type is decoded here instead.
std::optional<std::string> value_text(const ASN1_STRING* value) {
  const byte_view data(ASN1_STRING_get0_data(value),
                       static_cast<std::size_t>(ASN1_STRING_length(value)));
  switch (ASN1_STRING_type(value)) {
    case V_ASN1_BMPSTRING:
      return from_bmp_string(data);
    case V_ASN1_UNIVERSALSTRING:
      return from_universal_string(data);
    case V_ASN1_T61STRING:
      return from_t61_string(data);
    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_NUMERICSTRING:
      return to_utf8_lenient(data);
    default:
      return std::nullopt;
  }
}

// RFC 2253 escaping, as OpenSSL's XN_FLAG_RFC2253 does it, but leaving UTF-8 readable.
std::string escaped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                         c == ';' || (i == 0 && (c == '#' || c == ' ')) ||
                         (i + 1 == text.size() && c == ' ');
    if (special) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += '\\';
      out += upper_hex(byte_view(&c, 1));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string attribute_name(const ASN1_OBJECT* object) {
  const int nid = OBJ_obj2nid(object);
  if (nid != NID_undef) {
    if (const char* short_name = OBJ_nid2sn(nid)) return short_name;
  }
  char dotted[128] = {};
  const int len = OBJ_obj2txt(dotted, sizeof dotted, object, 1);
  if (len <= 0 || static_cast<std::size_t>(len) >= sizeof dotted)
    throw error(errc::cert_invalid, "unprintable attribute type in a name");
  return dotted;
}

// One line in RFC 2253 order (most significant RDN last), "+" inside a multi-valued RDN.
std::string name_to_string(const X509_NAME* name) {
  std::string out;
  const int count = X509_NAME_entry_count(name);
  int previous_set = -1;
  for (int i = count - 1; i >= 0; --i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(entry);
    if (i != count - 1) out += set == previous_set ? '+' : ',';
    previous_set = set;
    const ASN1_OBJECT* type = X509_NAME_ENTRY_get_object(entry);
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
    out += attribute_name(type);
    out += '=';
    // Values of unknown attribute types are dumped, like OpenSSL's DUMP_UNKNOWN_FIELDS.
    std::optional<std::string> text;
    if (OBJ_obj2nid(type) != NID_undef) text = value_text(value);
    out += text ? escaped(*text) : dumped(value);
  }
  return out;
}

std::string serial_to_hex(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, openssl_deleter<BN_free>> bn{ASN1_INTEGER_to_BN(serial, nullptr)};
  if (!bn) throw error(errc::cert_invalid, "unreadable serial number");
  if (BN_is_zero(bn.get())) return "00";
  std::unique_ptr<char, openssl_string_free> hex{BN_bn2hex(bn.get())};
  std::string out = hex ? hex.get() : "";
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Keep whole octets so the value matches what `openssl x509 -serial` users compare against.
  if (!out.empty() && out[0] != '-' && out.size() % 2 == 1) out.insert(out.begin(), '0');
  return out;
}

std::string key_type_of(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return "unknown";
  if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) return "RSA";
  if (EVP_PKEY_is_a(key, "SM2")) return "SM2";
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
        std::string_view(group, len) == "SM2")
      return "SM2";
    return "EC";
  }
  return EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
}

std::vector<std::string> usage_of(X509* cert) {
  static constexpr std::pair<std::uint32_t, const char*> kBits[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"},
      {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
      {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},
      {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},
      {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"}};
  std::vector<std::string> out;
  // Without the extension every usage is permitted; report none rather than guess.
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0) return out;
  std::uint32_t bits = X509_get_key_usage(cert);
  for (auto [bit, name] : kBits) {
    if (bits & bit) out.emplace_back(name);
  }
  return out;
}

// One complete DER certificate, or null.
x509_ptr read_der(byte_view der) {
  const unsigned char* p = der.data();
  x509_ptr cert{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
  if (cert && p != der.data() + der.size()) {
    throw error(errc::cert_invalid, "trailing bytes after certificate");
  }
  return cert;
}

// OpenSSL 3 refuses a whole certificate whose issuer or subject holds a UTF8String that is not
// UTF-8 (it canonicalises names while parsing), and Chinese CAs have written GBK there. To show
// such a certificate, a copy with those values retagged as T61String (same length, any 8-bit
// bytes allowed) is parsed instead, and value_text decodes them. Only for showing: the original
// bytes stay what is stored, compared and verified. Empty when nothing needed retagging.
std::optional<bytes> with_undecodable_names_retagged(byte_view der) {
  namespace tag = der::tag;
  try {
    der::reader top(der, errc::cert_invalid);
    const auto certificate = top.expect(tag::sequence, "Certificate");
    auto fields = top.children(certificate);
    const auto tbs = fields.expect(tag::sequence, "tbsCertificate");
    auto t = fields.children(tbs);
    if (!t.at_end() && t.peek().is_context(0)) t.next();  // version
    t.expect(tag::integer, "serialNumber");
    t.expect(tag::sequence, "signature");
    const auto issuer = t.expect(tag::sequence, "issuer");
    t.expect(tag::sequence, "validity");
    const auto subject = t.expect(tag::sequence, "subject");
    bytes out(der.begin(), der.end());
    bool changed = false;
    for (const auto& name : {issuer, subject}) {
      for (auto rdns = t.children(name); !rdns.at_end();) {
        for (auto atvs = rdns.children(rdns.next()); !atvs.at_end();) {
          auto parts = atvs.children(atvs.next());
          parts.expect(tag::oid, "AttributeTypeAndValue.type");
          if (parts.at_end()) continue;
          const auto value = parts.next();
          const std::string_view text(reinterpret_cast<const char*>(value.value.data()),
                                      value.value.size());
          if (value.is(tag::utf8_string) && !value.constructed && !is_valid_utf8(text)) {
            out[value.offset] = static_cast<std::uint8_t>(tag::t61_string);
            changed = true;
          }
        }
      }
    }
    if (!changed) return std::nullopt;
    return out;
  } catch (const error&) {
    return std::nullopt;  // not even the shape of a certificate: nothing to mend
  }
}

}  // namespace

sys_seconds asn1_time_to_sys_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) throw error(errc::cert_invalid, "unreadable validity time");
  // The civil calendar of <chrono> instead of timegm(), which Windows does not have.
  using namespace std::chrono;
  const sys_days date = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                        day{static_cast<unsigned>(tm.tm_mday)};
  return date + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
}

namespace {

certificate_info decode_certificate_info(byte_view der) {
  auto cert = read_der(der);
  if (!cert) {
    if (auto retagged = with_undecodable_names_retagged(der)) cert = read_der(*retagged);
  }
  if (!cert) throw error(errc::cert_invalid, "not a DER X.509 certificate");
  certificate_info info;
  info.subject = name_to_string(X509_get_subject_name(cert.get()));
  info.issuer = name_to_string(X509_get_issuer_name(cert.get()));
  info.serial_hex = serial_to_hex(X509_get0_serialNumber(cert.get()));
  info.not_before = asn1_time_to_sys_seconds(X509_get0_notBefore(cert.get()));
  info.not_after = asn1_time_to_sys_seconds(X509_get0_notAfter(cert.get()));
  info.key_type = key_type_of(cert.get());
  info.usage = usage_of(cert.get());
  return info;
}

// The certificates a daemon meets are the same few, read again by every cert.list, seal.list
// and signing: decoding one costs OpenSSL 3 a key decoder (~0.3 ms), which made up a third of a
// cert.list. The bytes themselves are always read from the key again, so a certificate
// rewritten by another program is simply new bytes here. Only good decodes are kept.
class recent_certificates {
 public:
  std::optional<certificate_info> find(byte_view der) {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first.size() == der.size() && std::equal(der.begin(), der.end(), it->first.begin())) {
        entries_.splice(entries_.begin(), entries_, it);  // most recently used first
        return entries_.front().second;
      }
    }
    return std::nullopt;
  }

  void add(byte_view der, const certificate_info& info) {
    if (der.size() > max_certificate_bytes) return;
    std::lock_guard lock(mutex_);
    entries_.emplace_front(bytes(der.begin(), der.end()), info);
    if (entries_.size() > capacity) entries_.pop_back();
  }

 private:
  static constexpr std::size_t capacity = 32;
  static constexpr std::size_t max_certificate_bytes = 16 * 1024;

  std::mutex mutex_;
  std::list<std::pair<bytes, certificate_info>> entries_;
};

}  // namespace

certificate_info parse_certificate(byte_view der) {
  // Never destroyed: a thread still finishing at exit may look a certificate up.
  static auto& recent = *new recent_certificates;
  if (auto known = recent.find(der)) return std::move(*known);
  auto info = decode_certificate_info(der);
  recent.add(der, info);
  return info;
}

}  // namespace sealbridge::crypto
