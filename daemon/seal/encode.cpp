#include "seal/encode.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/error.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"

namespace sealbridge::seal {
namespace {

namespace der = crypto::der;

bool known_picture_type(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  constexpr std::array<std::string_view, 6> kTypes{"PNG", "GIF", "JPG", "BMP", "SVG", "OFD"};
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

void check(const seal_content& c) {
  if (!known_picture_type(c.pic.type))
    throw error(errc::bad_params, "picture type must be PNG, GIF, JPG, BMP, SVG or OFD");
  if (c.pic.data.empty()) throw error(errc::bad_params, "picture data is empty");
  if (c.cert_list_type == 1 && (c.certs.empty() || !c.cert_digests.empty()))
    throw error(errc::bad_params, "certListType 1 needs certificates and no digests");
  if (c.cert_list_type == 2 && (c.cert_digests.empty() || !c.certs.empty()))
    throw error(errc::bad_params, "certListType 2 needs digests and no certificates");
  if (c.cert_list_type != 1 && c.cert_list_type != 2)
    throw error(errc::bad_params, "certListType must be 1 or 2");
  if (c.valid_end < c.valid_start) throw error(errc::bad_params, "validEnd precedes validStart");
}

}  // namespace

bytes encode_seal_info_v4(const seal_content& c) {
  check(c);
  const bytes header =
      der::sequence({der::ia5_string("ES"), der::integer(4), der::ia5_string(c.vid)});

  std::vector<bytes> list;
  if (c.cert_list_type == 1) {
    for (const auto& cert : c.certs) list.push_back(der::octet_string(cert));
  } else {
    for (const auto& d : c.cert_digests)
      list.push_back(der::sequence({der::printable_string(d.algorithm), der::octet_string(d.value)}));
  }
  const bytes property = der::sequence(
      {der::integer(c.type), der::utf8_string(c.name), der::integer(c.cert_list_type),
       der::sequence_of(list), der::generalized_time(c.create_date),
       der::generalized_time(c.valid_start), der::generalized_time(c.valid_end)});

  const bytes picture = der::sequence({der::ia5_string(c.pic.type), der::octet_string(c.pic.data),
                                       der::integer(c.pic.width_mm), der::integer(c.pic.height_mm)});

  if (c.extensions.empty()) return der::sequence({header, der::ia5_string(c.es_id), property, picture});

  std::vector<bytes> exts;
  for (const auto& e : c.extensions) {
    // DER omits a BOOLEAN equal to its DEFAULT.
    exts.push_back(e.critical ? der::sequence({der::oid(e.oid), der::boolean(true), der::octet_string(e.value)})
                              : der::sequence({der::oid(e.oid), der::octet_string(e.value)}));
  }
  // GB/T 38540 leaves extDatas in SES_SealInfo untagged (only TBS_Sign tags it [0]).
  return der::sequence(
      {header, der::ia5_string(c.es_id), property, picture, der::sequence_of(exts)});
}

bytes assemble_seal_v4(byte_view seal_info_der, byte_view maker_cert_der,
                       std::string_view signature_algorithm_oid, byte_view signature) {
  return der::sequence({seal_info_der, der::octet_string(maker_cert_der),
                        der::oid(signature_algorithm_oid), der::bit_string(signature)});
}

bytes encode_seal_v4(const seal_content& content, EVP_PKEY* maker_key, byte_view maker_cert_der) {
  if (maker_key == nullptr) throw error(errc::bad_params, "no maker key");
  if (maker_cert_der.empty()) throw error(errc::bad_params, "no maker certificate");
  const bytes info = encode_seal_info_v4(content);
  const auto scheme = crypto::scheme_for_key(maker_key);
  const bytes sig = crypto::sign_message(maker_key, info);
  return assemble_seal_v4(info, maker_cert_der, crypto::scheme_oid(scheme), sig);
}

}  // namespace sealbridge::seal
