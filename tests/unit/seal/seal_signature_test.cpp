#include <openssl/pem.h>

#include <catch2/catch.hpp>

#include "../crypto/test_certs.hpp"
#include "core/error.hpp"
#include "crypto/der.hpp"
#include "crypto/digest.hpp"
#include "crypto/sm2.hpp"
#include "crypto/x509_verify.hpp"
#include "seal/seal.hpp"

// SES_Signature in both forms: byte-for-byte against the ofdrw sample, signatures judged by
// the openssl command line, read back by our decoder and verifier.
using namespace sealbridge;
using namespace sealbridge::seal;
using namespace std::chrono;

using sealbridge::testing::code_of;

namespace {

std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

crypto::evp_pkey_ptr sample_sm2_key() {
  const bytes pem = testing::read_file(testing::sample("ofdrw_sign_key.pem"));
  crypto::bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  crypto::evp_pkey_ptr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
  REQUIRE(key);
  return key;
}

bytes sample_sm2_cert() {
  return crypto::certificates_der(testing::read_file(testing::sample("ofdrw_sign_cert.pem"))).at(0);
}

// Tag numbers of the elements directly inside `der`'s outer SEQUENCE.
std::vector<std::uint32_t> shape(byte_view der) {
  crypto::der::reader top(der);
  auto r = top.children(top.next());
  std::vector<std::uint32_t> out;
  while (!r.at_end()) out.push_back(r.next().number);
  return out;
}

std::string openssl_verify_sm2(const std::filesystem::path& dir, const bytes& cert_der,
                               const bytes& tbs, const bytes& sig, int& status) {
  testing::write_file(dir / "cert.der", cert_der);
  testing::write_file(dir / "tbs.der", tbs);
  testing::write_file(dir / "sig.der", sig);
  std::string out;
  REQUIRE(testing::run("openssl x509 -inform DER -in " + q(dir / "cert.der") +
                           " -pubkey -noout -out " + q(dir / "pub.pem"),
                       &out) == 0);
  status = testing::run("openssl pkeyutl -verify -pubin -inkey " + q(dir / "pub.pem") +
                            " -rawin -digest sm3 -in " + q(dir / "tbs.der") + " -sigfile " +
                            q(dir / "sig.der") + " -pkeyopt distid:1234567812345678",
                        &out);
  return out;
}

}  // namespace

TEST_CASE("encode_tbs_sign_v4 and assemble_signature_v4 rebuild the ofdrw sample byte for byte") {
  const bytes sample = testing::read_file(testing::sample("ofdrw_SignedValueV4.dat"));
  const auto doc = decode_signature(sample);
  signature_request req;
  req.seal_der = doc.eseal.encoded;
  req.time = doc.time;
  req.data_hash = doc.data_hash;
  req.property_info = doc.property_info;
  req.signer_cert_der = doc.signer_cert;
  CHECK(encode_tbs_sign_v4(req) == doc.signed_data);
  CHECK(assemble_signature_v4(doc.signed_data, doc.signer_cert, doc.signature) == sample);
  // Padding after the seal, as on a token, stays out of TBS_Sign.
  req.seal_der.resize(req.seal_der.size() + 100, 0);
  CHECK(encode_tbs_sign_v4(req) == doc.signed_data);
}

TEST_CASE("an SM2 SES_Signature v4 verifies with openssl pkeyutl and reads back") {
  auto key = sample_sm2_key();
  const bytes cert = sample_sm2_cert();
  const bytes seal_bytes = testing::read_file(testing::sample("ofdrw_UserV4.esl"));
  signature_request req;
  req.seal_der = seal_bytes;
  req.time = sys_days{2026y / November / 30} + 9h + 1min + 2s + 700ms;
  req.data_hash = crypto::digest(crypto::digest_alg::sm3, as_bytes("<ofd:Signature/>"));
  req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
  req.signer_cert_der = cert;
  const bytes tbs = encode_tbs_sign_v4(req);
  const bytes sig = crypto::sign_message(key.get(), tbs);
  const bytes signed_value = assemble_signature_v4(tbs, cert, sig);

  // Same structure as the sample a real signer made.
  const bytes sample = testing::read_file(testing::sample("ofdrw_SignedValueV4.dat"));
  CHECK(shape(signed_value) == shape(sample));
  CHECK(shape(tbs) == shape(decode_signature(sample).signed_data));

  const auto dir = testing::fresh_temp_dir("ses-v4");
  int status = -1;
  std::string out = openssl_verify_sm2(dir, cert, tbs, sig, status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("Signature Verified Successfully") != std::string::npos);
  bytes other = tbs;
  other[other.size() - 3] ^= 1;
  openssl_verify_sm2(dir, cert, other, sig, status);
  CHECK(status != 0);

  const auto doc = decode_signature(signed_value);
  CHECK(doc.format == seal_format::gbt38540);
  CHECK(doc.version == 4);
  CHECK(doc.eseal.encoded == seal_bytes);
  CHECK(std::search(signed_value.begin(), signed_value.end(), seal_bytes.begin(),
                    seal_bytes.end()) != signed_value.end());
  CHECK(doc.time == sys_days{2026y / November / 30} + 9h + 1min + 2s);
  CHECK(doc.data_hash == req.data_hash);
  CHECK(doc.property_info == req.property_info);
  CHECK(doc.signer_cert == cert);
  CHECK(doc.signature_algorithm == "1.2.156.10197.1.501");
  CHECK(doc.signature == sig);
  CHECK(doc.signed_data == tbs);
  CHECK(verify_signature_document(doc));

  SECTION("a raw r||s signature in the BIT STRING verifies too") {
    const auto raw_doc =
        decode_signature(assemble_signature_v4(tbs, cert, crypto::ecdsa_der_to_raw(sig, 32)));
    CHECK(raw_doc.signature.size() == 64);
    CHECK(verify_signature_document(raw_doc));
  }
  SECTION("a tampered document hash does not") {
    auto bad = req;
    bad.data_hash[0] ^= 1;
    CHECK_FALSE(verify_signature_document(
        decode_signature(assemble_signature_v4(encode_tbs_sign_v4(bad), cert, sig))));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("RSA and ECDSA SES_Signature v4 verify with openssl dgst") {
  const auto kind = GENERATE(std::string("RSA"), std::string("P-256"));
  INFO(kind);
  const sys_seconds t0 = sys_days{2025y / March / 1};
  auto signer = testing::make_cert(kind, "签章人", nullptr, t0, t0 + days{365}, false);
  signature_request req;
  req.seal_der = testing::read_file(testing::sample("ofdrw_UserV4.esl"));
  req.time = t0 + days{1};
  req.data_hash = crypto::digest(crypto::digest_alg::sha256, as_bytes("doc"));
  req.property_info = "doc.ofd";
  req.signer_cert_der = signer.der;
  const bytes tbs = encode_tbs_sign_v4(req);
  const bytes sig = crypto::sign_message(signer.key.get(), tbs);
  const auto doc = decode_signature(assemble_signature_v4(tbs, signer.der, sig));
  CHECK(doc.signature_algorithm ==
        (kind == "RSA" ? "1.2.840.113549.1.1.11" : "1.2.840.10045.4.3.2"));
  CHECK(verify_signature_document(doc));

  const auto dir = testing::fresh_temp_dir("ses-v4-cli");
  testing::write_file(dir / "tbs.der", tbs);
  testing::write_file(dir / "sig.der", sig);
  testing::write_file(dir / "pub.pem", as_bytes(testing::public_key_pem(signer.key.get())));
  std::string out;
  CHECK(testing::run("openssl dgst -sha256 -verify " + q(dir / "pub.pem") + " -signature " +
                         q(dir / "sig.der") + " " + q(dir / "tbs.der"),
                     &out) == 0);
  CHECK(out.find("Verified OK") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a GM/T 0031 SES_Signature v1 verifies with openssl pkeyutl and reads back") {
  auto key = sample_sm2_key();
  const bytes cert = sample_sm2_cert();
  const bytes seal_bytes = testing::read_file(testing::sample("ofdrw_UserV1.esl"));
  signature_request req;
  req.seal_der = seal_bytes;
  req.time = sys_days{2026y / December / 1} + 21h + 30min;
  req.data_hash = bytes(32, 0xab);
  req.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
  req.signer_cert_der = cert;
  const bytes tbs = encode_tbs_sign_v1(req);
  const bytes sig = crypto::sign_message(key.get(), tbs);
  const bytes signed_value = assemble_signature_v1(tbs, sig);

  // TBS_Sign{INTEGER, SESeal, BIT STRING, BIT STRING, IA5String, OCTET STRING, OID}.
  CHECK(shape(tbs) == std::vector<std::uint32_t>{2, 16, 3, 3, 22, 4, 6});
  CHECK(shape(signed_value) == std::vector<std::uint32_t>{16, 3});
  const auto dir = testing::fresh_temp_dir("ses-v1");
  int status = -1;
  std::string out = openssl_verify_sm2(dir, cert, tbs, sig, status);
  INFO(out);
  CHECK(status == 0);

  const auto doc = decode_signature(signed_value);
  CHECK(doc.format == seal_format::gmt0031);
  CHECK(doc.version == 1);
  CHECK(doc.eseal.encoded == seal_bytes);
  CHECK(doc.eseal.format == seal_format::gmt0031);
  CHECK(doc.time == sys_days{2026y / December / 1} + 21h + 30min);
  CHECK(doc.data_hash == req.data_hash);
  CHECK(doc.property_info == req.property_info);
  CHECK(doc.signer_cert == cert);
  CHECK(doc.signature_algorithm == "1.2.156.10197.1.501");
  CHECK(doc.signed_data == tbs);
  CHECK(verify_signature_document(doc));
  bytes tampered = signed_value;
  const auto hash_at =
      std::search(tampered.begin(), tampered.end(), req.data_hash.begin(), req.data_hash.end());
  REQUIRE(hash_at != tampered.end());
  *hash_at ^= 1;
  CHECK_FALSE(verify_signature_document(decode_signature(tampered)));
  std::filesystem::remove_all(dir);
}

TEST_CASE("GM/T 0031 timeInfo is read in the forms makers write") {
  const bytes seal_bytes = testing::read_file(testing::sample("ofdrw_UserV1.esl"));
  const bytes cert = sample_sm2_cert();
  namespace der = crypto::der;
  const auto with_time = [&](byte_view info) {
    const bytes tbs = der::sequence({der::integer(1), seal_bytes, der::bit_string(info),
                                     der::bit_string(bytes(32, 1)), der::ia5_string("p"),
                                     der::octet_string(cert), der::oid("1.2.156.10197.1.501")});
    return decode_signature(der::sequence({tbs, der::bit_string(bytes{0x30, 0x00})})).time;
  };
  const sys_seconds want = sys_days{2020y / April / 22} + 10h + 9min;
  CHECK(with_time(as_bytes("2020-04-22 10:09:00")) == want);  // ofdrw
  CHECK(with_time(as_bytes("20200422100900Z")) == want);
  CHECK(with_time(as_bytes("200422100900Z")) == want);
  CHECK(with_time(der::element(0x17, as_bytes("200422100900Z"))) == want);  // DER UTCTime inside
  CHECK(with_time(as_bytes("not a time")) == sys_seconds{});
}

TEST_CASE("signature encoding refuses what it cannot sign honestly") {
  signature_request req;
  req.seal_der = testing::read_file(testing::sample("ofdrw_UserV4.esl"));
  req.time = system_clock::now();
  req.data_hash = bytes(32, 0);
  req.property_info = "x";
  req.signer_cert_der = sample_sm2_cert();
  CHECK_NOTHROW(encode_tbs_sign_v4(req));
  CHECK(code_of([&] { encode_tbs_sign_v1(req); }) ==
        errc::bad_params);  // v4 seal in a v1 signature
  auto r = req;
  r.seal_der = testing::read_file(testing::sample("ofdrw_UserV1.esl"));
  CHECK(code_of([&] { encode_tbs_sign_v4(r); }) == errc::bad_params);
  r = req;
  r.seal_der = bytes{0x30, 0x03, 0x02, 0x01, 0x04};
  CHECK(code_of([&] { encode_tbs_sign_v4(r); }) == errc::seal_invalid);
  r = req;
  r.data_hash.clear();
  CHECK(code_of([&] { encode_tbs_sign_v4(r); }) == errc::bad_params);
  r = req;
  r.property_info = "签章";
  CHECK(code_of([&] { encode_tbs_sign_v4(r); }) == errc::bad_params);
  r = req;
  r.seal_der = testing::read_file(testing::sample("ofdrw_UserV1.esl"));
  r.signer_cert_der = bytes{1, 2, 3};
  CHECK(code_of([&] { encode_tbs_sign_v1(r); }) == errc::bad_params);
  CHECK(code_of([&] {
          assemble_signature_v4(bytes{0x30, 0x00}, bytes{1}, bytes{1});
        }) == errc::bad_params);
  CHECK(code_of([&] { assemble_signature_v1(bytes{0x30, 0x00}, bytes{}); }) == errc::bad_params);
}
