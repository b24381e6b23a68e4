#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include "core/error.hpp"
#include "crypto/der.hpp"
#include "seal/seal.hpp"
#include "../crypto/test_certs.hpp"

using namespace sealbridge;
using namespace sealbridge::seal;
using namespace std::chrono;

namespace {

const sys_seconds t0 = sys_days{2025y / March / 1};

struct world {
  testing::issued root = testing::make_cert("SM2", "Seal Maker Root", nullptr, t0, t0 + days{3650}, true);
  testing::issued maker = testing::make_cert("SM2", "Seal Maker", &root, t0, t0 + days{1000}, false);
  testing::issued user = testing::make_cert("SM2", "Company Signer", &root, t0, t0 + days{700}, false);
};

seal_content content_for(const world& w) {
  seal_content c;
  c.es_id = "13010000000001";
  c.vid = "SealBridge";
  c.type = 1;
  c.name = "测试公司 合同专用章";
  c.certs = {w.user.der};
  c.create_date = t0 + days{1};
  c.valid_start = t0 + days{1};
  c.valid_end = t0 + days{366};
  c.pic = {"PNG", bytes{0x89, 'P', 'N', 'G', 1, 2, 3}, 40, 40};
  return c;
}

verify_options options_for(const world& w) {
  verify_options o;
  o.at = t0 + days{30};
  o.trusted_maker_roots_der = {w.root.der};
  o.key_certificates_der = {w.user.der};
  return o;
}

// Replaces the signature BIT STRING of a GB/T 38540 seal.
bytes with_signature(const sealbridge::seal::seal& s, byte_view sig) {
  return assemble_seal_v4(s.signed_data, s.maker_cert, s.signature_algorithm, sig);
}

bytes der_sig_to_raw(const bytes& sig) {
  namespace der = crypto::der;
  der::reader top(sig);
  auto seq = top.next();
  auto parts = top.children(seq);
  bytes raw;
  for (int i = 0; i < 2; ++i) {
    auto v = parts.next().value;
    bytes n(v.begin(), v.end());
    while (n.size() > 32 && n.front() == 0) n.erase(n.begin());
    while (n.size() < 32) n.insert(n.begin(), 0);
    raw.insert(raw.end(), n.begin(), n.end());
  }
  return raw;
}

}  // namespace

TEST_CASE("encoded SM2 seal round-trips and verifies") {
  world w;
  const auto c = content_for(w);
  const bytes der = encode_seal_v4(c, w.maker.key.get(), w.maker.der);
  auto s = decode_seal(der);
  CHECK(s.format == seal_format::gbt38540);
  CHECK(s.header_version == 4);
  CHECK(s.es_id == c.es_id);
  CHECK(s.vid == c.vid);
  CHECK(s.name == c.name);
  CHECK(s.certs == c.certs);
  CHECK(s.valid_end == c.valid_end);
  CHECK(s.pic.data == c.pic.data);
  CHECK(s.maker_cert == w.maker.der);
  CHECK(s.signature_algorithm == "1.2.156.10197.1.501");
  CHECK(s.encoded == der);
  CHECK(s.signed_data == encode_seal_info_v4(c));

  auto v = verify_seal(s, options_for(w));
  CHECK(v.ok());
  CHECK(v.maker_signature_valid);
  CHECK(v.maker_trusted);
  CHECK(v.bound_to_key);
  CHECK(v.in_validity);
  CHECK(describe_maker(s).subject.find("Seal Maker") != std::string::npos);
}

TEST_CASE("each failed check is reported with its own code") {
  world w;
  const bytes der = encode_seal_v4(content_for(w), w.maker.key.get(), w.maker.der);
  const auto good = decode_seal(der);
  auto opts = options_for(w);

  SECTION("one flipped byte in SES_SealInfo breaks the maker signature") {
    bytes tampered = der;
    const auto name_at = std::search(tampered.begin(), tampered.end(), good.es_id.begin(), good.es_id.end());
    REQUIRE(name_at != tampered.end());
    *name_at ^= 0x01;
    auto s = decode_seal(tampered);
    auto v = verify_seal(s, opts);
    CHECK_FALSE(v.maker_signature_valid);
    CHECK(v.errors == std::vector<errc>{errc::seal_invalid});
  }
  SECTION("a maker outside the trusted roots is untrusted") {
    auto other = testing::make_cert("SM2", "Other Root", nullptr, t0, t0 + days{3650}, true);
    opts.trusted_maker_roots_der = {other.der};
    auto v = verify_seal(good, opts);
    CHECK(v.maker_signature_valid);
    CHECK(v.errors == std::vector<errc>{errc::seal_untrusted});
    opts.trusted_maker_roots_der.clear();
    CHECK(verify_seal(good, opts).errors == std::vector<errc>{errc::seal_untrusted});
  }
  SECTION("outside the validity period the seal is expired") {
    opts.at = t0 + days{400};
    auto v = verify_seal(good, opts);
    CHECK_FALSE(v.in_validity);
    CHECK(v.errors == std::vector<errc>{errc::seal_expired});
    opts.at = t0;
    CHECK(verify_seal(good, opts).errors == std::vector<errc>{errc::seal_expired});
  }
  SECTION("a key without a listed certificate is not bound") {
    auto stranger = testing::make_cert("SM2", "Someone Else", &w.root, t0, t0 + days{700}, false);
    opts.key_certificates_der = {stranger.der};
    CHECK(verify_seal(good, opts).errors == std::vector<errc>{errc::seal_not_bound});
    opts.key_certificates_der.clear();
    CHECK(verify_seal(good, opts).errors == std::vector<errc>{errc::seal_not_bound});
  }
  SECTION("a raw r||s signature is accepted") {
    const bytes raw = der_sig_to_raw(good.signature);
    REQUIRE(raw.size() == 64);
    auto s = decode_seal(with_signature(good, raw));
    CHECK(s.signature == raw);
    CHECK(verify_seal(s, opts).ok());
  }
}

TEST_CASE("certificate digests (certListType 2) bind by digest") {
  world w;
  auto c = content_for(w);
  c.cert_list_type = 2;
  c.certs.clear();
  bytes digest(32);
  unsigned int len = 0;
  REQUIRE(EVP_Digest(w.user.der.data(), w.user.der.size(), digest.data(), &len, EVP_sm3(), nullptr) == 1);
  c.cert_digests = {{"SM3", digest}};
  c.extensions = {{"1.2.156.112600.7.1", false, bytes{'a'}}, {"1.2.156.112600.7.2", true, bytes{'b'}}};
  auto s = decode_seal(encode_seal_v4(c, w.maker.key.get(), w.maker.der));
  CHECK(s.cert_list_type == 2);
  REQUIRE(s.cert_digests.size() == 1);
  CHECK(s.cert_digests[0].algorithm == "SM3");
  REQUIRE(s.extensions.size() == 2);
  CHECK_FALSE(s.extensions[0].critical);
  CHECK(s.extensions[1].critical);
  CHECK(verify_seal(s, options_for(w)).ok());
}

TEST_CASE("ECDSA P-256 and RSA makers") {
  world w;
  for (auto kind : {"P-256", "RSA"}) {
    INFO(kind);
    auto maker = testing::make_cert(kind, "Maker", &w.root, t0, t0 + days{1000}, false);
    auto s = decode_seal(encode_seal_v4(content_for(w), maker.key.get(), maker.der));
    CHECK(s.signature_algorithm ==
          (std::string_view(kind) == "RSA" ? "1.2.840.113549.1.1.11" : "1.2.840.10045.4.3.2"));
    CHECK(verify_seal(s, options_for(w)).ok());
  }
}

TEST_CASE("encoding rejects unusable content") {
  world w;
  auto c = content_for(w);
  c.pic.type = "TIFF";
  CHECK_THROWS_AS(encode_seal_v4(c, w.maker.key.get(), w.maker.der), error);
  c = content_for(w);
  c.pic.type = "png";
  CHECK_NOTHROW(encode_seal_v4(c, w.maker.key.get(), w.maker.der));
  c.valid_end = c.valid_start - days{1};
  CHECK_THROWS_AS(encode_seal_v4(c, w.maker.key.get(), w.maker.der), error);
  c = content_for(w);
  c.cert_list_type = 2;
  CHECK_THROWS_AS(encode_seal_v4(c, w.maker.key.get(), w.maker.der), error);
  CHECK_THROWS_AS(encode_seal_v4(content_for(w), nullptr, w.maker.der), error);
}

TEST_CASE("is_newer orders renewals by validity end, then creation") {
  sealbridge::seal::seal old_seal, renewed;
  old_seal.create_date = t0;
  old_seal.valid_end = t0 + days{365};
  renewed = old_seal;
  CHECK_FALSE(is_newer(renewed, old_seal));  // identical: not a renewal
  renewed.valid_end = t0 + days{730};
  renewed.create_date = t0 + days{300};
  CHECK(is_newer(renewed, old_seal));
  CHECK_FALSE(is_newer(old_seal, renewed));
  // Re-issued with the same end date but later: newer.
  sealbridge::seal::seal reissued = old_seal;
  reissued.create_date = t0 + days{10};
  CHECK(is_newer(reissued, old_seal));
  // Created later but ending earlier would shorten the seal: not newer.
  sealbridge::seal::seal shorter = old_seal;
  shorter.create_date = t0 + days{100};
  shorter.valid_end = t0 + days{200};
  CHECK_FALSE(is_newer(shorter, old_seal));
}
