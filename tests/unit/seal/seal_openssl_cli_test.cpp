#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "seal/seal.hpp"
#include "../crypto/test_certs.hpp"

// The openssl command line judges our output: it parses the seal as DER and checks the maker
// signature with its own SM2 code path, and our verifier accepts a signature the CLI made.
using namespace sealbridge;
using namespace sealbridge::seal;
using namespace std::chrono;

namespace {

const sys_seconds t0 = sys_days{2025y / March / 1};

std::string q(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

void write_text(const std::filesystem::path& p, const std::string& text) {
  testing::write_file(p, as_bytes(text));
}

}  // namespace

TEST_CASE("openssl parses our seal and verifies its SM2 maker signature") {
  auto root = testing::make_cert("SM2", "CLI Root", nullptr, t0, t0 + days{3650}, true);
  auto maker = testing::make_cert("SM2", "CLI Maker", &root, t0, t0 + days{1000}, false);
  auto user = testing::make_cert("SM2", "CLI User", &root, t0, t0 + days{700}, false);
  seal_content c;
  c.es_id = "cli-1";
  c.vid = "SealBridge";
  c.name = "命令行测试章";
  c.certs = {user.der};
  c.create_date = c.valid_start = t0;
  c.valid_end = t0 + days{365};
  c.pic = {"SVG", bytes(std::string_view("<svg xmlns='http://www.w3.org/2000/svg'/>").begin(), std::string_view("<svg xmlns='http://www.w3.org/2000/svg'/>").end()), 40, 40};
  c.extensions = {{"1.2.156.112600.7.1", true, bytes{1, 2}}};
  const bytes der = encode_seal_v4(c, maker.key.get(), maker.der);
  const auto s = decode_seal(der);

  const auto dir = testing::fresh_temp_dir("seal-cli");
  testing::write_file(dir / "seal.der", der);
  testing::write_file(dir / "tbs.der", s.signed_data);
  testing::write_file(dir / "sig.der", s.signature);
  testing::write_file(dir / "maker.der", s.maker_cert);
  std::string out;

  INFO("asn1parse");
  CHECK(testing::run("openssl asn1parse -inform DER -in " + q(dir / "seal.der"), &out) == 0);
  CHECK(out.find("SM2-with-SM3") != std::string::npos);
  CHECK(out.find(":ES") != std::string::npos);

  REQUIRE(testing::run("openssl x509 -inform DER -in " + q(dir / "maker.der") + " -pubkey -noout -out " +
                           q(dir / "pub.pem"), &out) == 0);
  const std::string verify = "openssl dgst -sm3 -verify " + q(dir / "pub.pem") +
                             " -sigopt distid:1234567812345678 -signature " + q(dir / "sig.der") + " " +
                             q(dir / "tbs.der");
  CHECK(testing::run(verify, &out) == 0);
  CHECK(out.find("Verified OK") != std::string::npos);
  // The ID is part of what was signed: without it the CLI must refuse.
  CHECK(testing::run("openssl dgst -sm3 -verify " + q(dir / "pub.pem") + " -signature " + q(dir / "sig.der") +
                         " " + q(dir / "tbs.der"), &out) != 0);
  CHECK(testing::run("openssl pkeyutl -verify -pubin -inkey " + q(dir / "pub.pem") +
                         " -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in " + q(dir / "tbs.der") +
                         " -sigfile " + q(dir / "sig.der"), &out) == 0);

  SECTION("a signature made by the CLI is accepted by verify_seal") {
    write_text(dir / "maker.key", testing::private_key_pem(maker.key.get()));
    REQUIRE(testing::run("openssl dgst -sm3 -sign " + q(dir / "maker.key") +
                             " -sigopt distid:1234567812345678 -out " + q(dir / "cli.sig") + " " +
                             q(dir / "tbs.der"), &out) == 0);
    const bytes cli_sig = testing::read_file(dir / "cli.sig");
    auto resigned = decode_seal(assemble_seal_v4(s.signed_data, s.maker_cert, s.signature_algorithm, cli_sig));
    verify_options o;
    o.at = t0 + days{1};
    o.trusted_maker_roots_der = {root.der};
    o.key_certificates_der = {user.der};
    CHECK(verify_seal(resigned, o).ok());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("openssl agrees with us on the sample seals' maker signatures") {
  for (auto name : {"ofdrw_UserV1.esl", "ofdrw_UserV4.esl"}) {
    INFO(name);
    const auto s = decode_seal(testing::read_file(testing::sample(name)));
    const auto dir = testing::fresh_temp_dir("seal-cli-sample");
    testing::write_file(dir / "tbs.der", s.signed_data);
    testing::write_file(dir / "sig.der", s.signature);
    testing::write_file(dir / "maker.der", s.maker_cert);
    std::string out;
    REQUIRE(testing::run("openssl x509 -inform DER -in " + q(dir / "maker.der") + " -pubkey -noout -out " +
                             q(dir / "pub.pem"), &out) == 0);
    CHECK(testing::run("openssl dgst -sm3 -verify " + q(dir / "pub.pem") +
                           " -sigopt distid:1234567812345678 -signature " + q(dir / "sig.der") + " " +
                           q(dir / "tbs.der"), &out) == 0);
    std::filesystem::remove_all(dir);
  }
}
