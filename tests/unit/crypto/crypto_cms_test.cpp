#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <regex>

#include "core/error.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/cms_verify.hpp"
#include "crypto/der.hpp"
#include "crypto/digest.hpp"
#include "crypto/sm2.hpp"
#include "software_signer.hpp"
#include "test_certs.hpp"

// Our SignedData is judged by `openssl cms -verify` (RSA, ECDSA) and sm-crypto (SM2); our
// verifier is judged against OpenSSL-made CMS and the iText-signed sample PDF.
using namespace sealbridge;
using namespace sealbridge::crypto;
using namespace std::chrono;

using sealbridge::testing::code_of;

namespace {

const sys_seconds t0 = sys_days{2025y / March / 1};

bytes as_bytes_vec(const std::string& s) {
  return {s.begin(), s.end()};
}

std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  testing::write_file(p, as_bytes(text));
}

struct pki {
  testing::issued root;
  testing::issued leaf;
};

pki make_pki(std::string_view kind) {
  auto root =
      testing::make_cert(kind, "CMS Root " + std::string(kind), nullptr, t0, t0 + days{3650}, true);
  auto leaf =
      testing::make_cert(kind, "CMS 签名人 " + std::string(kind), &root, t0, t0 + days{700}, false);
  return {std::move(root), std::move(leaf)};
}

// The DER of the signed attributes as signed: [0] IMPLICIT retagged as SET.
bytes signed_attributes_of(const bytes& cms) {
  der::reader top(cms);
  auto ci = top.children(top.expect(der::tag::sequence, "ContentInfo"));
  ci.expect(der::tag::oid, "type");
  auto wrap = ci.children(ci.next());
  auto sd = wrap.children(wrap.expect(der::tag::sequence, "SignedData"));
  sd.next();  // version
  sd.next();  // digestAlgorithms
  sd.next();  // encap
  if (sd.peek().is_context(0)) sd.next();
  auto infos = sd.children(sd.expect(der::tag::set, "signerInfos"));
  auto si = infos.children(infos.next());
  si.next();
  si.next();
  si.next();
  auto attrs = si.next();
  REQUIRE(attrs.is_context(0));
  bytes out(attrs.whole.begin(), attrs.whole.end());
  out[0] = 0x31;
  return out;
}

bytes signature_value_of(const bytes& cms) {
  der::reader top(cms);
  auto ci = top.children(top.expect(der::tag::sequence, "ContentInfo"));
  ci.next();
  auto wrap = ci.children(ci.next());
  auto sd = wrap.children(wrap.next());
  der::tlv last;
  while (!sd.at_end()) last = sd.next();
  auto infos = sd.children(last);
  auto si = infos.children(infos.next());
  der::tlv t;
  while (!si.at_end()) {
    t = si.next();
    if (t.is(der::tag::octet_string)) break;
  }
  return {t.value.begin(), t.value.end()};
}

}  // namespace

TEST_CASE("openssl cms -verify accepts our RSA and ECDSA SignedData") {
  const auto [kind, alg] =
      GENERATE(std::pair{"RSA", digest_alg::sha256}, std::pair{"RSA", digest_alg::sha384},
               std::pair{"P-256", digest_alg::sha256}, std::pair{"P-384", digest_alg::sha384},
               std::pair{"P-256", digest_alg::sha512});
  const bool detached = GENERATE(true, false);
  const bool pades = GENERATE(true, false);
  INFO(kind << " " << digest_name(alg) << (detached ? " detached" : " attached")
            << (pades ? " pades" : ""));
  auto p = make_pki(kind);
  const bytes content =
      as_bytes_vec(std::string("%PDF-1.7 byte ranges of a document, 签章 \x00\x01\xff", 46));
  cms_options o;
  o.digest = alg;
  o.detached = detached;
  o.pades = pades;
  o.signing_time = t0 + days{10} + hours{3};
  const bytes cms =
      build_signed_data(testing::software_signer(p.leaf.key.get(), p.leaf.der), o, content);

  const auto dir = testing::fresh_temp_dir("cms-cli");
  testing::write_file(dir / "sig.der", cms);
  testing::write_file(dir / "content.bin", content);
  write_text(dir / "root.pem", testing::pem_of(p.root.cert.get()));
  std::string out;
  const std::string verify = "openssl cms -verify -binary -inform DER -in " + q(dir / "sig.der") +
                             " -CAfile " + q(dir / "root.pem") + " -purpose any -attime " +
                             std::to_string((t0 + days{20}).time_since_epoch().count()) + " -out " +
                             q(dir / "out.bin") +
                             (detached ? " -content " + q(dir / "content.bin") : "");
  CHECK(testing::run(verify, &out) == 0);
  CHECK(out.find("Verification successful") != std::string::npos);
  CHECK(testing::read_file(dir / "out.bin") == content);

  CHECK(testing::run("openssl asn1parse -inform DER -in " + q(dir / "sig.der"), &out) == 0);
  CHECK((out.find("signingTime") == std::string::npos) == pades);
  CHECK(out.find("id-smime-aa-signingCertificateV2") != std::string::npos);
  CHECK(out.find(kind == std::string_view("RSA") ? "rsaEncryption" : "ecdsa-with-SHA") !=
        std::string::npos);

  if (detached) {
    bytes tampered = content;
    tampered[3] ^= 1;
    testing::write_file(dir / "content.bin", tampered);
    CHECK(testing::run(verify, &out) != 0);
  }

  SECTION("our verifier agrees") {
    const auto v =
        verify_signed_data(cms, content, {p.root.der}, system_clock::time_point{t0 + days{20}});
    INFO(v.detail);
    CHECK(v.signature_valid);
    CHECK(v.digest_matches);
    CHECK(v.chain_trusted);
    CHECK(v.ok());
    CHECK(v.signer_cert_der == p.leaf.der);
    CHECK(v.signer_subject.find("CMS 签名人") != std::string::npos);
    CHECK(v.digest_algorithm == digest_name(alg));
    CHECK(v.signature_algorithm == (kind == std::string_view("RSA") ? "RSA" : "ECDSA"));
    if (pades)
      CHECK_FALSE(v.signing_time);
    else
      CHECK(v.signing_time == system_clock::time_point{t0 + days{10} + hours{3}});
    if (!detached) {
      const auto embedded = verify_signed_data(cms, content_feeder{}, {p.root.der},
                                               system_clock::time_point{t0 + days{20}});
      CHECK(embedded.ok());
    }
    bytes tampered = content;
    tampered.back() ^= 1;
    const auto bad =
        verify_signed_data(cms, tampered, {p.root.der}, system_clock::time_point{t0 + days{20}});
    CHECK(bad.signature_valid);
    CHECK_FALSE(bad.digest_matches);
    CHECK(bad.errors == std::vector<std::string>{"DIGEST_MISMATCH"});
    const auto late =
        verify_signed_data(cms, content, {p.root.der}, system_clock::time_point{t0 + days{800}});
    CHECK_FALSE(late.chain_trusted);
    CHECK(late.errors == std::vector<std::string>{"UNTRUSTED"});
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a precomputed content digest makes a detached signature openssl verifies") {
  auto p = make_pki("P-256");
  auto inter = testing::make_cert("P-256", "CMS Intermediate", &p.root, t0, t0 + days{3000}, true);
  auto leaf =
      testing::make_cert("P-256", "CMS leaf under intermediate", &inter, t0, t0 + days{700}, false);
  const bytes content = as_bytes_vec("the two byte ranges of a PDF");
  cms_options o;
  o.pades = true;
  o.detached = false;  // ignored: a digest alone can only make a detached signature
  const bytes cms =
      build_signed_data(testing::software_signer(leaf.key.get(), leaf.der, {inter.der}), o,
                        std::nullopt, digest(digest_alg::sha256, content));
  const auto dir = testing::fresh_temp_dir("cms-digest");
  testing::write_file(dir / "sig.der", cms);
  testing::write_file(dir / "content.bin", content);
  write_text(dir / "root.pem", testing::pem_of(p.root.cert.get()));
  std::string out;
  CHECK(testing::run("openssl cms -verify -binary -inform DER -in " + q(dir / "sig.der") +
                         " -content " + q(dir / "content.bin") + " -CAfile " + q(dir / "root.pem") +
                         " -purpose any -attime " +
                         std::to_string((t0 + days{20}).time_since_epoch().count()) +
                         " -out /dev/null",
                     &out) == 0);
  INFO(out);
  CHECK(testing::run("openssl cms -cmsout -print -inform DER -in " + q(dir / "sig.der"), &out) ==
        0);
  CHECK(out.find("eContent: <ABSENT>") != std::string::npos);
  const auto v =
      verify_signed_data(cms, content, {p.root.der}, system_clock::time_point{t0 + days{20}});
  INFO(v.detail);
  CHECK(v.ok());
  CHECK(code_of([&] {
          build_signed_data(testing::software_signer(leaf.key.get(), leaf.der), o, std::nullopt,
                            bytes(20));
        }) == errc::bad_params);
  CHECK(code_of([&] {
          build_signed_data(testing::software_signer(leaf.key.get(), leaf.der), o, std::nullopt);
        }) == errc::bad_params);
  std::filesystem::remove_all(dir);
}

TEST_CASE("SM2 SignedData verifies with sm-crypto over the signed attributes, and with us",
          "[node]") {
  const bool gm_oids = GENERATE(false, true);
  const bool detached = GENERATE(true, false);
  INFO((gm_oids ? "GM/T 0010 OIDs" : "PKCS#7 OIDs") << (detached ? " detached" : " attached"));
  auto p = make_pki("SM2");
  const bytes content = as_bytes_vec("电子签章 SM2 content");
  cms_options o;
  o.digest = digest_alg::sha256;  // forced to SM3 for an SM2 key
  o.sm2_gm_oids = gm_oids;
  o.detached = detached;
  o.signing_time = t0 + days{1};
  const bytes cms =
      build_signed_data(testing::software_signer(p.leaf.key.get(), p.leaf.der), o, content);

  const auto dir = testing::fresh_temp_dir("cms-sm2");
  testing::write_file(dir / "sig.der", cms);
  std::string out;
  REQUIRE(testing::run("openssl asn1parse -inform DER -in " + q(dir / "sig.der"), &out) == 0);
  CHECK(out.find("SM2-with-SM3") != std::string::npos);
  CHECK(out.find(":sm3") != std::string::npos);
  CHECK((out.find(":1.2.156.10197.6.1.4.2.2") != std::string::npos) == gm_oids);
  CHECK((out.find(":1.2.156.10197.6.1.4.2.1") != std::string::npos) == gm_oids);
  CHECK((out.find(":pkcs7-signedData") != std::string::npos) == !gm_oids);

  // The messageDigest inside the attributes is SM3 of the content.
  const bytes attrs = signed_attributes_of(cms);
  const bytes md = digest(digest_alg::sm3, content);
  CHECK(std::search(attrs.begin(), attrs.end(), md.begin(), md.end()) != attrs.end());
  // signingCertificateV2 carries the SM3 hash of the certificate.
  const bytes cert_hash = digest(digest_alg::sm3, p.leaf.der);
  CHECK(std::search(attrs.begin(), attrs.end(), cert_hash.begin(), cert_hash.end()) != attrs.end());

  const std::filesystem::path source = SEALBRIDGE_SOURCE_DIR;
  REQUIRE(std::filesystem::exists(source / "tests" / "node_modules" / "sm-crypto"));
  unsigned char point[65];
  std::size_t point_len = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(p.leaf.key.get(), "pub", point, sizeof point,
                                          &point_len) == 1);
  const bytes sig = signature_value_of(cms);
  const auto judge = [&](const bytes& m) {
    return testing::run("node '" + (source / "tests" / "testmodule" / "verify_sm2.mjs").string() +
                        "' " + to_hex(m) + " " + to_hex(sig) + " " +
                        to_hex(byte_view(point, point_len)) + " der");
  };
  CHECK(judge(attrs) == 0);
  bytes tampered = attrs;
  tampered.back() ^= 1;
  CHECK(judge(tampered) == 1);

  const auto v =
      verify_signed_data(cms, content, {p.root.der}, system_clock::time_point{t0 + days{2}});
  INFO(v.detail);
  CHECK(v.ok());
  CHECK(v.signature_algorithm == "SM2");
  CHECK(v.digest_algorithm == "SM3");
  CHECK(v.signing_time == system_clock::time_point{t0 + days{1}});
  const auto bad = verify_signed_data(cms, as_bytes_vec("other"), {p.root.der},
                                      system_clock::time_point{t0 + days{2}});
  CHECK(bad.errors == std::vector<std::string>{"DIGEST_MISMATCH"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("the external signer's errors pass through; a signature by another key is refused") {
  auto p = make_pki("RSA");
  auto signer = testing::software_signer(p.leaf.key.get(), p.leaf.der);
  signer.sign_message = [](byte_view, digest_alg) -> bytes {
    throw error(errc::pin_incorrect, "C_Login");
  };
  CHECK(code_of([&] { build_signed_data(signer, {}, as_bytes("x")); }) == errc::pin_incorrect);

  auto other = testing::generate_key("RSA");
  auto wrong = testing::software_signer(other.get(), p.leaf.der);
  CHECK(code_of([&] { build_signed_data(wrong, {}, as_bytes("x")); }) == errc::cert_mismatch);

  cms_options sm3_with_rsa;
  sm3_with_rsa.digest = digest_alg::sm3;
  CHECK(code_of([&] {
          build_signed_data(testing::software_signer(p.leaf.key.get(), p.leaf.der), sm3_with_rsa,
                            as_bytes("x"));
        }) == errc::bad_params);
}

TEST_CASE("a token's raw r||s ECDSA signature is written as DER") {
  auto p = make_pki("P-256");
  auto signer = testing::software_signer(p.leaf.key.get(), p.leaf.der);
  EVP_PKEY* key = p.leaf.key.get();
  signer.sign_message = [key](byte_view m, digest_alg d) {
    return ecdsa_der_to_raw(testing::software_sign(key, m, d), 32);
  };
  const bytes content = as_bytes_vec("raw");
  const bytes cms = build_signed_data(signer, {}, content);
  CHECK(signature_value_of(cms)[0] == 0x30);
  CHECK(
      verify_signed_data(cms, content, {p.root.der}, system_clock::time_point{t0 + days{1}}).ok());
}

TEST_CASE("our verifier accepts what openssl cms -sign makes, with and without signed attributes") {
  const auto kind = GENERATE(std::string("RSA"), std::string("P-256"));
  const auto flags = GENERATE(std::string(""), std::string(" -noattr"), std::string(" -nodetach"),
                              std::string(" -nodetach -noattr"), std::string(" -md sha384"));
  INFO(kind << flags);
  auto p = make_pki(kind);
  const auto dir = testing::fresh_temp_dir("cms-openssl");
  const bytes content = as_bytes_vec("signed by the openssl command line\n");
  testing::write_file(dir / "content.bin", content);
  write_text(dir / "leaf.pem", testing::pem_of(p.leaf.cert.get()));
  write_text(dir / "leaf.key", testing::private_key_pem(p.leaf.key.get()));
  std::string out;
  REQUIRE(testing::run("openssl cms -sign -binary -in " + q(dir / "content.bin") + " -signer " +
                           q(dir / "leaf.pem") + " -inkey " + q(dir / "leaf.key") +
                           " -outform DER -out " + q(dir / "sig.der") + flags,
                       &out) == 0);
  const bytes cms = testing::read_file(dir / "sig.der");
  const bool attached = flags.find("nodetach") != std::string::npos;
  const auto v = attached ? verify_signed_data(cms, content_feeder{}, {p.root.der},
                                               system_clock::time_point{t0 + days{1}})
                          : verify_signed_data(cms, content, {p.root.der},
                                               system_clock::time_point{t0 + days{1}});
  INFO(v.detail);
  CHECK(v.ok());
  CHECK(v.signature_valid);
  CHECK(v.digest_matches);
  CHECK(v.signing_time.has_value() == (flags.find("noattr") == std::string::npos));
  bytes tampered = content;
  tampered[0] ^= 0x20;
  const auto bad =
      verify_signed_data(cms, tampered, {p.root.der}, system_clock::time_point{t0 + days{1}});
  CHECK_FALSE(bad.digest_matches);
  CHECK_FALSE(bad.ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("the iText-signed sample PDF's CMS verifies over its byte ranges") {
  const bytes pdf =
      testing::read_file(testing::sample("pdf/signed_valid_itext_table_acroform.pdf"));
  const std::string text(pdf.begin(), pdf.end());
  std::smatch m;
  REQUIRE(std::regex_search(text, m,
                            std::regex(R"(/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\])")));
  const std::size_t a = std::stoul(m[1]), b = std::stoul(m[2]), c = std::stoul(m[3]),
                    d = std::stoul(m[4]);
  REQUIRE(a == 0);
  REQUIRE(c + d == pdf.size());
  const std::string hex = text.substr(b + 1, c - b - 2);  // between '<' and '>'
  const bytes cms = from_hex(hex);
  const auto feed = [&](const std::function<void(byte_view)>& sink) {
    sink(byte_view(pdf).subspan(a, b));
    sink(byte_view(pdf).subspan(c, d));
  };
  const auto v =
      verify_signed_data(cms, feed, {}, system_clock::time_point{sys_days{2011y / June / 1}});
  INFO(v.detail);
  CHECK(v.signature_valid);
  CHECK(v.digest_matches);
  CHECK(v.digest_algorithm == "SHA-256");
  CHECK(v.signature_algorithm == "RSA");
  CHECK_FALSE(v.signer_subject.empty());
  CHECK(v.errors == std::vector<std::string>{"UNTRUSTED"});

  // openssl reads the same bytes the same way (no chain check: the certificate is a demo one).
  const auto dir = testing::fresh_temp_dir("cms-itext");
  bytes signed_bytes(pdf.begin(), pdf.begin() + static_cast<long>(b));
  signed_bytes.insert(signed_bytes.end(), pdf.begin() + static_cast<long>(c), pdf.end());
  testing::write_file(dir / "content.bin", signed_bytes);
  // Strip the /Contents zero padding openssl would call trailing garbage.
  der::reader r(cms);
  const auto whole = r.next().whole;
  testing::write_file(dir / "sig.der", whole);
  std::string out;
  CHECK(testing::run("openssl cms -verify -noverify -binary -inform DER -in " + q(dir / "sig.der") +
                         " -content " + q(dir / "content.bin") + " -out /dev/null",
                     &out) == 0);
  signed_bytes[100] ^= 1;
  const auto bad = verify_signed_data(cms, signed_bytes, {},
                                      system_clock::time_point{sys_days{2011y / June / 1}});
  CHECK_FALSE(bad.digest_matches);
  std::filesystem::remove_all(dir);
}

TEST_CASE("malformed CMS gives SIGNATURE_INVALID and nothing else") {
  auto p = make_pki("P-256");
  cms_options o;
  o.detached = false;
  const bytes cms =
      build_signed_data(testing::software_signer(p.leaf.key.get(), p.leaf.der), o, as_bytes("abc"));
  const auto try_one = [&](const bytes& input) {
    try {
      (void)verify_signed_data(input, content_feeder{}, {p.root.der},
                               system_clock::time_point{t0 + days{1}});
    } catch (const error& e) {
      REQUIRE(e.code() == errc::signature_invalid);
    }
  };
  for (std::size_t n = 0; n < cms.size(); ++n)
    try_one(bytes(cms.begin(), cms.begin() + static_cast<long>(n)));
  for (std::size_t i = 0; i < cms.size(); ++i) {
    bytes flipped = cms;
    flipped[i] ^= 0x81;
    try_one(flipped);
  }
  CHECK(code_of([&] { verify_signed_data(bytes{}, content_feeder{}, {}, system_clock::now()); }) ==
        errc::signature_invalid);
  bytes padded = cms;
  padded.resize(cms.size() + 4096, 0);  // /Contents padding
  CHECK(verify_signed_data(padded, content_feeder{}, {p.root.der},
                           system_clock::time_point{t0 + days{1}})
            .ok());
  padded.back() = 1;
  CHECK(code_of([&] { verify_signed_data(padded, content_feeder{}, {}, system_clock::now()); }) ==
        errc::signature_invalid);
}
