#pragma once

#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"

// Plain data for GB/T 38540-2020 and GM/T 0031-2014 electronic seals. No JSON here: the api
// layer converts.
namespace sealbridge::seal {

enum class seal_format {
  gbt38540,  // SESeal{eSealInfo, cert, signAlgID, signedValue}, header version 4
  gmt0031,   // SESeal{SES_SealInfo, SES_SignInfo}, header version 1 or 2
};

struct picture {
  std::string type;  // "PNG", "GIF", "JPG", "BMP", "SVG", "OFD" as written (case varies)
  bytes data;
  long width_mm = 0;
  long height_mm = 0;
};

struct cert_digest {
  std::string algorithm;  // as written, e.g. "SM3" or "SHA256"
  bytes value;
};

struct extension {
  std::string oid;
  bool critical = false;
  bytes value;
};

// A well-formed element where the standard allows no such thing (a real GM/T 0031 seal carries
// an IA5String in its certList). The rest of the seal is read and its maker signature checked
// over the original bytes; what the element would have said counts as unknown.
struct unexpected_element {
  std::string field;       // the field it sits in: "certList"
  std::size_t offset = 0;  // of the element, from the start of the decoded bytes
  std::string found;       // its ASN.1 type, e.g. "IA5String"
  std::string reason;      // one line for people and logs
};

struct seal {
  seal_format format = seal_format::gbt38540;
  long header_version = 0;
  std::string vid;
  std::string es_id;
  long type = 0;
  std::string name;
  long cert_list_type = 1;  // 1: certs holds certificates; 2: cert_digests holds digests
  std::vector<bytes> certs;
  std::vector<cert_digest> cert_digests;
  sys_seconds create_date{};
  sys_seconds valid_start{};
  sys_seconds valid_end{};
  picture pic;
  std::vector<extension> extensions;
  std::vector<unexpected_element> unexpected;  // empty for a seal as the standards write it

  bytes maker_cert;                 // DER
  std::string signature_algorithm;  // OID text
  bytes signature;                  // as found (DER or raw r||s)
  bytes signed_data;                // exactly the bytes the maker signed
  bytes encoded;                    // the whole seal as decoded
};

// What a seal maker supplies to make a GB/T 38540 seal.
struct seal_content {
  std::string es_id;
  std::string vid;
  long type = 1;
  std::string name;
  long cert_list_type = 1;
  std::vector<bytes> certs;
  std::vector<cert_digest> cert_digests;
  sys_seconds create_date{};
  sys_seconds valid_start{};
  sys_seconds valid_end{};
  picture pic;
  std::vector<extension> extensions;
};

// A decoded SES_Signature (a stamp on a document): GB/T 38540 (version 4) or GM/T 0031
// (version 1, where the signer certificate and algorithm sit inside TBS_Sign).
struct signature_document {
  seal_format format = seal_format::gbt38540;  // told apart by shape, not by version
  long version = 0;
  struct seal eseal;
  sys_seconds time{};
  bytes data_hash;
  std::string property_info;
  std::vector<extension> extensions;
  bytes signer_cert;  // DER
  std::string signature_algorithm;
  bytes signature;
  bytes signed_data;  // the original DER(TBS_Sign)
  bytes time_stamp;   // contents of timeStamp, empty when absent (always for GM/T 0031)
};

}  // namespace sealbridge::seal
