#include <catch2/catch.hpp>

#include "../crypto/test_certs.hpp"
#include "core/error.hpp"
#include "crypto/x509_verify.hpp"
#include "seal/seal.hpp"

using namespace sealbridge;
using namespace sealbridge::seal;
using namespace std::chrono;

namespace {

sealbridge::seal::seal load(std::string_view name) {
  return decode_seal(testing::read_file(testing::sample(name)));
}

// The USER.p12 certificate, pulled out with the CLI (RC2-encrypted PKCS#12 needs -legacy).
bytes user_certificate() {
  auto dir = testing::fresh_temp_dir("seal-user");
  auto pem = dir / "user.pem";
  std::string out;
  const int rc =
      testing::run("openssl pkcs12 -legacy -in '" + testing::sample("ofdrw_USER.p12").string() +
                       "' -passin pass:777777 -nokeys -clcerts -out '" + pem.string() + "'",
                   &out);
  INFO(out);
  REQUIRE(rc == 0);
  auto ders = crypto::certificates_der(testing::read_file(pem));
  std::filesystem::remove_all(dir);
  return ders.at(0);
}

const sys_seconds in_2021 = sys_days{2021y / June / 1};

}  // namespace

TEST_CASE("GM/T 0031 sample UserV1 decodes and its maker signature verifies") {
  auto s = load("ofdrw_UserV1.esl");
  CHECK(s.format == seal_format::gmt0031);
  CHECK(s.header_version == 1);
  CHECK(s.vid == "OFDR&WTest");
  CHECK(s.es_id == "40C8CDD24DEF43388B86E62CCE1D6832");
  CHECK(s.type == 1);
  CHECK(s.name == "OFDRW测试用印章");
  CHECK(s.cert_list_type == 1);
  CHECK(s.certs.size() == 1);
  CHECK(s.create_date == sys_days{2020y / April / 22} + 2h + 18min + 7s);
  CHECK(s.valid_end == sys_days{2022y / April / 22} + 2h + 18min + 7s);
  CHECK(s.pic.type == "PNG");
  CHECK(s.pic.width_mm == 40);
  CHECK(s.pic.height_mm == 40);
  CHECK(s.pic.data.size() > 8);
  CHECK(s.pic.data[1] == 'P');
  CHECK(s.signature_algorithm == "1.2.156.10197.1.501");
  CHECK(s.signed_data[0] == 0x30);
  CHECK(maker_signature_valid(s));
  auto maker = describe_maker(s);
  CHECK(maker.subject.find("Test Certificate") != std::string::npos);
  CHECK(maker.issuer.find("ROOT") != std::string::npos);
  CHECK_FALSE(maker.serial_hex.empty());
}

TEST_CASE("GB/T 38540 sample UserV4 decodes and its maker signature verifies") {
  auto s = load("ofdrw_UserV4.esl");
  CHECK(s.format == seal_format::gbt38540);
  CHECK(s.header_version == 4);
  CHECK(s.es_id == "51f044b76510434e9bc67a1185c2fba5");
  CHECK(s.type == 3);
  CHECK(s.name == "OFD R&W 测试用印章");
  CHECK(s.cert_list_type == 1);
  CHECK(s.certs.size() == 1);
  CHECK(s.valid_start == sys_days{2020y / April / 22} + 2h + 9min);
  CHECK(s.valid_end == sys_days{2022y / April / 22} + 2h + 9min);
  CHECK(s.pic.width_mm == 40);
  CHECK(s.extensions.empty());
  const bytes file = testing::read_file(testing::sample("ofdrw_UserV4.esl"));
  CHECK(s.encoded == file);
  // The signed bytes are the eSealInfo element exactly as stored.
  CHECK(bytes(file.begin() + 4, file.begin() + 4 + s.signed_data.size()) == s.signed_data);
  CHECK(maker_signature_valid(s));
}

TEST_CASE("vendor seal SESealData parses (explicit DEFAULT BOOLEANs) but its signature fails") {
  auto s = load("ofdrw_SESealData.DER");
  CHECK(s.format == seal_format::gbt38540);
  CHECK(s.vid == "Vid HebeiGede");
  CHECK(s.es_id == "esID130600");
  CHECK(s.certs.size() == 2);
  CHECK(s.pic.type == "GIF");
  CHECK(s.pic.width_mm == 42);
  REQUIRE(s.extensions.size() == 3);
  CHECK(s.extensions[0].oid == "1.2.156.112600.7.1");
  CHECK_FALSE(s.extensions[0].critical);
  CHECK(s.extensions[1].critical);
  CHECK(std::string(s.extensions[2].value.begin(), s.extensions[2].value.end()) ==
        "HeBeiBaoDingShiCeShiDanWeiMingCheng");
  CHECK_FALSE(maker_signature_valid(s));
  verify_options opts;
  opts.at = sys_days{2021y / January / 1};
  auto v = verify_seal(s, opts);
  CHECK_FALSE(v.maker_signature_valid);
  CHECK(v.in_validity);
  CHECK(v.errors.front() == errc::seal_invalid);
}

TEST_CASE("SES_Signature sample decodes, carries UserV4 and its signer signature verifies") {
  auto doc = decode_signature(testing::read_file(testing::sample("ofdrw_SignedValueV4.dat")));
  CHECK(doc.version == 4);
  CHECK(doc.eseal.encoded == testing::read_file(testing::sample("ofdrw_UserV4.esl")));
  CHECK(doc.eseal.format == seal_format::gbt38540);
  CHECK(maker_signature_valid(doc.eseal));
  CHECK(doc.time == sys_days{2020y / October / 12} + 11h + 14min + 3s);
  CHECK(doc.data_hash == bytes(32, 0));
  CHECK(doc.property_info == "/Doc_0/Signs/Sign_0/Signature.xml");
  CHECK(doc.signature_algorithm == "1.2.156.10197.1.501");
  CHECK(doc.time_stamp.empty());
  CHECK(verify_signature_document(doc));
  auto tampered = doc;
  tampered.signed_data[100] ^= 1;
  CHECK_FALSE(verify_signature_document(tampered));
}

TEST_CASE("sample seals bind to the USER certificate only") {
  const bytes user = user_certificate();
  const bytes other =
      crypto::certificates_der(testing::read_file(testing::sample("ofdrw_sign_cert.pem"))).at(0);
  for (auto name : {"ofdrw_UserV1.esl", "ofdrw_UserV4.esl"}) {
    INFO(name);
    auto s = load(name);
    verify_options opts;
    opts.at = in_2021;
    opts.key_certificates_der = {other, user};
    auto v = verify_seal(s, opts);
    CHECK(v.maker_signature_valid);
    CHECK(v.bound_to_key);
    CHECK(v.in_validity);
    // No root of the OFD R&W test CA is published with the samples.
    CHECK_FALSE(v.maker_trusted);
    CHECK(v.errors == std::vector<errc>{errc::seal_untrusted});

    // Which certificate binds, one at a time (the service names it in SEAL_OUTLIVES_CERT).
    CHECK(binds_to(s, user));
    CHECK_FALSE(binds_to(s, other));
    CHECK_FALSE(binds_to(s, bytes{0x30, 0x00}));

    opts.key_certificates_der = {other};
    v = verify_seal(s, opts);
    CHECK_FALSE(v.bound_to_key);
    opts.at = sys_days{2023y / January / 1};
    v = verify_seal(s, opts);
    CHECK_FALSE(v.in_validity);
    CHECK(std::find(v.errors.begin(), v.errors.end(), errc::seal_expired) != v.errors.end());
  }
}
