#include <catch2/catch.hpp>
#include <functional>

#include "../crypto/test_certs.hpp"
#include "core/error.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"
#include "seal/seal.hpp"

// Real seals from other makers: odd elements inside known fields and GBK text. The sample
// UserV1 (GM/T 0031) is rebuilt with one field changed and signed again by a test maker, so
// the maker signature verifies over exactly the bytes in the file.
using namespace sealbridge;
using namespace sealbridge::seal;
using namespace std::chrono;
namespace der = sealbridge::crypto::der;

namespace {

const sys_seconds t0 = sys_days{2020y / January / 1};
const sys_seconds in_2021 = sys_days{2021y / June / 1};

struct maker_world {
  testing::issued root =
      testing::make_cert("SM2", "Lenient Maker Root", nullptr, t0, t0 + days{3650}, true);
  testing::issued maker =
      testing::make_cert("SM2", "Lenient Maker", &root, t0, t0 + days{3000}, false);
};

// The elements inside a constructed element, each as its whole encoding.
std::vector<bytes> children_of(byte_view whole) {
  der::reader top(whole);
  auto parent = top.next();
  auto r = top.children(parent);
  std::vector<bytes> out;
  while (!r.at_end()) {
    auto child = r.next();
    out.emplace_back(child.whole.begin(), child.whole.end());
  }
  return out;
}

using property_edit = std::function<void(std::vector<bytes>& property)>;

// UserV1 with SES_ESPropertyInfo{type, name, certList, createDate, validStart, validEnd}
// edited, signed by `w.maker` as GM/T 0031 signs: over DER(SEQUENCE{SES_SealInfo, cert, alg}).
bytes rebuilt_user_v1(const maker_world& w, const property_edit& edit) {
  const bytes file = testing::read_file(testing::sample("ofdrw_UserV1.esl"));
  auto top = children_of(file);     // SES_SealInfo, SES_SignInfo
  auto info = children_of(top[0]);  // header, esID, property, picture
  auto property = children_of(info[2]);
  REQUIRE(property.size() == 6);
  edit(property);
  info[2] = der::sequence_of(property);
  const bytes seal_info = der::sequence_of(info);
  const bytes cert = der::octet_string(w.maker.der);
  const bytes alg = children_of(top[1]).at(1);  // the sample's own signatureAlgorithm element
  const bytes signature =
      crypto::sign_message(w.maker.key.get(), der::sequence({seal_info, cert, alg}));
  return der::sequence({seal_info, der::sequence({cert, alg, der::bit_string(signature)})});
}

verify_options options_for(const maker_world& w, std::vector<bytes> key_certs) {
  verify_options o;
  o.at = in_2021;
  o.trusted_maker_roots_der = {w.root.der};
  o.key_certificates_der = std::move(key_certs);
  return o;
}

// The user certificate UserV1 is bound to, as its certList holds it.
bytes user_certificate() {
  auto original = decode_seal(testing::read_file(testing::sample("ofdrw_UserV1.esl")));
  REQUIRE(original.certs.size() == 1);
  return original.certs[0];
}

}  // namespace

TEST_CASE("the rebuilt sample verifies completely: the re-signing itself is right") {
  maker_world w;
  auto s = decode_seal(rebuilt_user_v1(w, [](std::vector<bytes>&) {}));
  CHECK(s.format == seal_format::gmt0031);
  CHECK(s.unexpected.empty());
  CHECK(verify_seal(s, options_for(w, {user_certificate()})).ok());
}

TEST_CASE("a certList holding an IA5String decodes, verifies its maker and is not bound") {
  maker_world w;
  const bytes der_seal = rebuilt_user_v1(w, [](std::vector<bytes>& p) {
    p[2] = der::sequence({der::ia5_string("40C8CDD24DEF43388B86E62CCE1D6832")});
  });
  sealbridge::seal::seal s;
  REQUIRE_NOTHROW(s = decode_seal(der_seal));
  CHECK(s.name == "OFDRW测试用印章");
  CHECK(s.es_id == "40C8CDD24DEF43388B86E62CCE1D6832");
  CHECK(s.certs.empty());
  CHECK(s.cert_digests.empty());
  REQUIRE(s.unexpected.size() == 1);
  CHECK(s.unexpected[0].field == "certList");
  CHECK(s.unexpected[0].found == "IA5String");
  CHECK(der_seal.at(s.unexpected[0].offset) == 0x16);
  CHECK(s.unexpected[0].reason.find("IA5String") != std::string::npos);

  CHECK(maker_signature_valid(s));
  auto v = verify_seal(s, options_for(w, {user_certificate()}));
  CHECK(v.maker_signature_valid);
  CHECK(v.maker_trusted);
  CHECK(v.in_validity);
  CHECK_FALSE(v.bound_to_key);
  CHECK(v.errors == std::vector<errc>{errc::seal_not_bound});
  REQUIRE(v.reasons.size() == 1);
  CHECK(v.reasons[0].find("IA5String") != std::string::npos);
  CHECK(v.detail.find("certList") != std::string::npos);
}

TEST_CASE("an odd certList entry beside a real certificate still binds") {
  maker_world w;
  const bytes user = user_certificate();
  auto s = decode_seal(rebuilt_user_v1(w, [&](std::vector<bytes>& p) {
    p[2] = der::sequence({der::ia5_string("see attached"), der::octet_string(user),
                          der::sequence({der::integer(5)}), der::sequence({})});
  }));
  CHECK(s.certs.size() == 1);
  REQUIRE(s.unexpected.size() == 3);
  CHECK(s.unexpected[1].found == "SEQUENCE");
  CHECK(verify_seal(s, options_for(w, {user})).ok());
}

TEST_CASE("leniency stops at malformed encodings and at the field itself") {
  maker_world w;
  // An entry whose length runs past the end of certList.
  CHECK_THROWS_MATCHES(
      decode_seal(rebuilt_user_v1(
          w, [](std::vector<bytes>& p) { p[2] = bytes{0x30, 0x04, 0x16, 0x05, 'a', 'b'}; })),
      error,
      Catch::Predicate<error>([](const error& e) { return e.code() == errc::seal_invalid; }));
  // An entry whose own contents are not DER.
  CHECK_THROWS_AS(decode_seal(rebuilt_user_v1(w,
                                              [](std::vector<bytes>& p) {
                                                p[2] = bytes{0x30, 0x06, 0x30, 0x04,
                                                             0x16, 0x05, 'a',  'b'};
                                              })),
                  error);
  // certList that is not a SEQUENCE at all.
  CHECK_THROWS_AS(decode_seal(rebuilt_user_v1(
                      w, [](std::vector<bytes>& p) { p[2] = der::ia5_string("no list"); })),
                  error);
  // A missing field is still missing.
  CHECK_THROWS_AS(decode_seal(rebuilt_user_v1(w, [](std::vector<bytes>& p) { p.pop_back(); })),
                  error);
}

TEST_CASE("a seal name in GBK or BMPString comes out as the characters") {
  maker_world w;
  const std::string gbk_name = "\xCA\xBE\xC0\xFD\xBF\xC6\xBC\xBC\xB9\xAB\xD5\xC2";  // 示例科技公章
  auto s = decode_seal(rebuilt_user_v1(w, [&](std::vector<bytes>& p) {
    p[1] = der::element(0x16, as_bytes(gbk_name));  // IA5String, as GM/T 0031 makers write it
  }));
  CHECK(s.name == "示例科技公章");
  CHECK(maker_signature_valid(s));

  s = decode_seal(rebuilt_user_v1(w, [&](std::vector<bytes>& p) {
    p[1] = der::utf8_string(gbk_name);  // GBK in a UTF8String
  }));
  CHECK(s.name == "示例科技公章");

  s = decode_seal(rebuilt_user_v1(w, [](std::vector<bytes>& p) {
    p[1] = der::element(0x1E, bytes{0x5F, 0x20, 0x4E, 0x09});  // BMPString 张三
  }));
  CHECK(s.name == "张三");
}
