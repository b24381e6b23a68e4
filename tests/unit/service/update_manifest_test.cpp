#include "service/update_manifest.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/openssl_ptr.hpp"
#include "service/update_check.hpp"

using namespace sealbridge;
using service::update_status;

namespace {

const sys_seconds kNow = *parse_iso8601("2026-12-01T10:00:00Z");

struct test_key {
  std::string pem;
  bytes raw_public;
};

test_key new_key() {
  crypto::evp_pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(key);
  crypto::bio_ptr bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
          1);
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio.get(), &data);
  return {std::string(data, static_cast<std::size_t>(size)),
          crypto::ed25519_raw_public_key(key.get())};
}

const char* kSigned = R"({
  "version": "0.2.0", "serial": 7, "expires": "2027-01-31T00:00:00Z", "notes": "修复\n\"问题\"",
  "url": "https://update.example.test/sealbridge_0.2.0_amd64.deb", "size": 1234,
  "sha256": "9f2c000000000000000000000000000000000000000000000000000000000001"})";

errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.code();
  }
  FAIL("nothing thrown");
  return errc::internal;
}

}  // namespace

TEST_CASE("canonical manifest bytes: sorted keys, no whitespace, minimal escapes") {
  CHECK(service::canonical_manifest_bytes(R"({ "b": 1, "a": "x\u0001\t/é" ,"A":0})") ==
        "{\"A\":0,\"a\":\"x\\u0001\\t/\xc3\xa9\",\"b\":1}");
  CHECK(service::canonical_manifest_bytes(kSigned).starts_with(
      R"({"expires":"2027-01-31T00:00:00Z","notes":"修复\n\"问题\"","serial":7,)"));
  CHECK(code_of([] { service::canonical_manifest_bytes(R"({"size": 1.5})"); }) ==
        errc::update_manifest_invalid);
  CHECK(code_of([] { service::canonical_manifest_bytes(R"({"size": -1})"); }) ==
        errc::update_manifest_invalid);
  CHECK(code_of([] { service::canonical_manifest_bytes(R"({"a": {"b": 1}})"); }) ==
        errc::update_manifest_invalid);
  CHECK(code_of([] { service::canonical_manifest_bytes("[1]"); }) == errc::update_manifest_invalid);
  CHECK(code_of([] { service::canonical_manifest_bytes(std::string(100, '[')); }) ==
        errc::update_manifest_invalid);
}

TEST_CASE("a manifest signed by either pinned key parses; others do not") {
  auto a = new_key();
  auto b = new_key();
  auto stranger = new_key();
  auto by_b = service::sign_manifest(kSigned, {b.pem});
  auto manifest = service::parse_signed_manifest(by_b, {a.raw_public, b.raw_public});
  CHECK(manifest.version == "0.2.0");
  CHECK(manifest.serial == 7);
  CHECK(manifest.expires == *parse_iso8601("2027-01-31T00:00:00Z"));
  CHECK(manifest.notes == "修复\n\"问题\"");
  CHECK(manifest.size == 1234);
  CHECK(manifest.url == "https://update.example.test/sealbridge_0.2.0_amd64.deb");

  CHECK(code_of([&] { service::parse_signed_manifest(by_b, {a.raw_public}); }) ==
        errc::update_signature_invalid);
  auto by_stranger = service::sign_manifest(kSigned, {stranger.pem});
  CHECK(code_of([&] {
          service::parse_signed_manifest(by_stranger, {a.raw_public, b.raw_public});
        }) == errc::update_signature_invalid);

  // Any change to a signed field breaks the signature, however the file is formatted.
  auto file = nlohmann::json::parse(by_b);
  file["signed"]["serial"] = 8;
  CHECK(code_of([&] { service::parse_signed_manifest(file.dump(), {b.raw_public}); }) ==
        errc::update_signature_invalid);
  file["signed"]["serial"] = 7;
  CHECK(service::parse_signed_manifest(file.dump(), {b.raw_public}).serial == 7);
  CHECK(service::parse_signed_manifest(file.dump(4), {b.raw_public}).serial == 7);

  // Two signatures: one good one is enough.
  auto both = service::sign_manifest(kSigned, {stranger.pem, a.pem});
  CHECK(service::parse_signed_manifest(both, {a.raw_public}).serial == 7);
}

TEST_CASE("manifest fields are checked after the signature") {
  auto key = new_key();
  auto signed_with = [&](const std::string& field, const nlohmann::json& value) {
    auto part = nlohmann::json::parse(kSigned);
    if (value.is_null()) {
      part.erase(field);
    } else {
      part[field] = value;
    }
    auto file = nlohmann::json{{"signed", part}, {"signatures", nlohmann::json::array()}};
    // Signing through the tool would refuse these; sign the canonical bytes directly.
    auto message = service::canonical_manifest_bytes(part.dump());
    auto pkey = crypto::ed25519_private_key_from_pem(key.pem);
    auto sig = crypto::ed25519_sign(pkey.get(), as_bytes(message));
    file["signatures"].push_back(
        {{"keyid", service::update_key_id(key.raw_public)}, {"sig", to_base64(sig)}});
    return file.dump();
  };
  for (const auto& field_value : std::vector<std::pair<std::string, nlohmann::json>>{
           {"url", "http://update.example.test/x.deb"},
           {"url", nullptr},
           {"sha256", "ABCD"},
           {"sha256", std::string(64, 'G')},
           {"size", 0},
           {"version", "2.x"},
           {"version", "1.2.3.4.5"},
           {"expires", "tomorrow"},
           {"serial", "7"}}) {
    // Named references, not a structured binding: clang 14 cannot capture those in a lambda.
    const auto& field = field_value.first;
    const auto& value = field_value.second;
    INFO(field << " = " << value.dump());
    CHECK(code_of([&] {
            service::parse_signed_manifest(signed_with(field, value), {key.raw_public});
          }) == errc::update_manifest_invalid);
  }
  CHECK(code_of([&] { service::sign_manifest(R"({"version": "0.2.0"})", {key.pem}); }) ==
        errc::update_manifest_invalid);
  CHECK(code_of([&] { service::parse_signed_manifest("not json", {key.raw_public}); }) ==
        errc::update_manifest_invalid);
  CHECK(code_of([&] {
          service::parse_signed_manifest(
              R"({"signed": {}, "signatures": [{"keyid": "x", "sig": "%%"}]})", {key.raw_public});
        }) == errc::update_manifest_invalid);
}

TEST_CASE("versions compare part by part, numerically") {
  CHECK(service::compare_versions("0.2.0", "0.1.0") == 1);
  CHECK(service::compare_versions("0.10.0", "0.9.9") == 1);
  CHECK(service::compare_versions("1.2", "1.2.0") == 0);
  CHECK(service::compare_versions("1.2.0", "1.2.1") == -1);
  CHECK_FALSE(service::compare_versions("1.2.0-rc1", "1.2.0"));
  CHECK_FALSE(service::compare_versions("", "1"));
  CHECK_FALSE(service::compare_versions("1..2", "1"));
  CHECK_FALSE(service::compare_versions("1.2.3.4.5", "1"));
  CHECK_FALSE(service::compare_versions("1234567890", "1"));
}

TEST_CASE("policy: expiry, rollback and version") {
  service::update_manifest m;
  m.version = "0.2.0";
  m.serial = 7;
  m.expires = kNow + std::chrono::hours{1};
  CHECK(service::check_update_policy(m, kNow, std::nullopt, "0.1.0") == update_status::available);
  CHECK(service::check_update_policy(m, kNow, 7, "0.1.0") == update_status::available);
  CHECK(service::check_update_policy(m, kNow, 6, "0.2.0") == update_status::up_to_date);
  CHECK(service::check_update_policy(m, kNow, 6, "0.3.0") == update_status::older_than_running);
  CHECK(code_of([&] { service::check_update_policy(m, kNow, 8, "0.1.0"); }) ==
        errc::update_rollback);
  CHECK(code_of([&] {
          service::check_update_policy(m, kNow + std::chrono::hours{1}, 7, "0.1.0");
        }) == errc::update_expired);
}

TEST_CASE("installer file names keep only plain characters") {
  service::update_manifest m;
  m.version = "0.2.0";
  m.url = "https://x.test/dl/sealbridge_0.2.0_amd64.deb?token=1#f";
  CHECK(service::installer_file_name(m) == "0.2.0-sealbridge_0.2.0_amd64.deb");
  m.url = "https://x.test/dl/../%2e%2e/a b;.msi";
  CHECK(service::installer_file_name(m) == "0.2.0-a_b_.msi");
  m.url = "https://x.test/";
  CHECK(service::installer_file_name(m) == "0.2.0-installer");
  m.url = "https://x.test/..";
  CHECK(service::installer_file_name(m) == "0.2.0-installer");
}
