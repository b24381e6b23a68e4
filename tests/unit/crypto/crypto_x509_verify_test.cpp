#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "crypto/x509_verify.hpp"
#include "test_certs.hpp"

using namespace sealbridge;
using namespace sealbridge::crypto;
using namespace std::chrono;

namespace {
const sys_seconds t0 = sys_days{2025y / January / 1};
}

TEST_CASE("SM2 chain verifies at an explicit time") {
  auto root = testing::make_cert("SM2", "Test Root", nullptr, t0, t0 + days{3650}, true);
  auto mid = testing::make_cert("SM2", "Test Sub CA", &root, t0, t0 + days{3000}, true);
  auto leaf = testing::make_cert("SM2", "Seal Maker", &mid, t0, t0 + days{365}, false);
  const auto inside = t0 + days{10};

  CHECK(verify_certificate(leaf.der, {root.der}, {mid.der}, inside).ok);
  // A pinned intermediate is enough.
  CHECK(verify_certificate(leaf.der, {mid.der}, {}, inside).ok);
  // PEM roots are accepted as well.
  auto pem = testing::pem_of(root.cert.get());
  CHECK(verify_certificate(leaf.der, {bytes(pem.begin(), pem.end())}, {mid.der}, inside).ok);

  auto expired = verify_certificate(leaf.der, {root.der}, {mid.der}, t0 + days{400});
  CHECK_FALSE(expired.ok);
  CHECK(expired.reason.find("expired") != std::string::npos);
  CHECK_FALSE(verify_certificate(leaf.der, {root.der}, {mid.der}, t0 - days{1}).ok);

  auto stranger = testing::make_cert("SM2", "Other Root", nullptr, t0, t0 + days{3650}, true);
  CHECK_FALSE(verify_certificate(leaf.der, {stranger.der}, {mid.der}, inside).ok);
  CHECK_FALSE(verify_certificate(leaf.der, {}, {mid.der}, inside).ok);
  CHECK_FALSE(verify_certificate(bytes{1, 2, 3}, {root.der}, {}, inside).ok);
}

TEST_CASE("RSA and ECDSA chains verify too (no SM2 ID attached)") {
  auto root = testing::make_cert("RSA", "RSA Root", nullptr, t0, t0 + days{3650}, true);
  auto leaf = testing::make_cert("P-256", "EC Maker", &root, t0, t0 + days{365}, false);
  CHECK(verify_certificate(leaf.der, {root.der}, {}, t0 + days{1}).ok);
  auto ec_root = testing::make_cert("P-256", "EC Root", nullptr, t0, t0 + days{3650}, true);
  auto sm2_leaf = testing::make_cert("SM2", "SM2 under EC", &ec_root, t0, t0 + days{365}, false);
  CHECK(verify_certificate(sm2_leaf.der, {ec_root.der}, {}, t0 + days{1}).ok);
}

TEST_CASE("certificate parsing accepts DER and PEM bundles") {
  auto pem = testing::read_file(testing::sample("ofdrw_sign_cert.pem"));
  auto ders = certificates_der(pem);
  REQUIRE(ders.size() == 1);
  auto cert = load_certificate(ders[0]);
  CHECK(certificate_der(cert.get()) == ders[0]);
  CHECK_THROWS_AS(load_certificate(bytes{0x30, 0x03, 0x02, 0x01, 0x01}), error);
  CHECK_THROWS_AS(certificates_der(bytes(std::string_view("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").begin(), std::string_view("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n").end())), error);
}
