// The test module's UKey behaviours that SoftHSM lacks, seen through the pkcs11 layer the
// daemon uses: SM2 under vendor codes, PIN retry counters with lockout, and faults injected at
// a chosen call through control files.

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/openssl_ptr.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/objects.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/session.hpp"
#include "tests/testmodule/sm2_mechanisms.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::errc;
using sealbridge::secret;
using sealbridge::crypto::openssl_deleter;
using sealbridge::test::slot_of;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;
using namespace sealbridge::testmodule;
using bytes = std::vector<std::uint8_t>;
using env_map = std::map<std::string, std::string>;

namespace {

using bn_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;
using bn_ctx_ptr = std::unique_ptr<BN_CTX, openssl_deleter<BN_CTX_free>>;
using ec_group_ptr = std::unique_ptr<EC_GROUP, openssl_deleter<EC_GROUP_free>>;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, openssl_deleter<ECDSA_SIG_free>>;
using param_bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, openssl_deleter<OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, openssl_deleter<OSSL_PARAM_free>>;

const char* const env_names[] = {"SEALBRIDGE_TESTMODULE_CONTROL", "SEALBRIDGE_TESTMODULE_PIN_TRIES",
                                 "SEALBRIDGE_TESTMODULE_PIN_LEN",
                                 "SEALBRIDGE_TESTMODULE_SM2_SIGNATURE"};

template <typename F>
errc error_of(F&& body) {
  try {
    body();
  } catch (const sealbridge::error& e) {
    return e.code();
  }
  FAIL("no sealbridge::error thrown");
  return errc::internal;
}

// One SoftHSM token "alpha" (with an RSA credential under ID 01) behind the test module,
// configured by `env` at load time.
struct faults_module {
  softhsm_fixture hsm;
  std::filesystem::path control;
  std::shared_ptr<module> m;
  CK_SLOT_ID slot = 0;

  explicit faults_module(const env_map& env = {}) {
    hsm.init_token("alpha");
    hsm.import_credential("alpha", "signer", "01");
    control = hsm.dir() / "control";
    std::filesystem::create_directory(control);
    setenv("SEALBRIDGE_TESTMODULE_TARGET", softhsm_fixture::module_path, 1);
    setenv("SEALBRIDGE_TESTMODULE_CONTROL", control.c_str(), 1);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    load();
  }
  ~faults_module() {
    m.reset();
    for (const char* name : env_names) unsetenv(name);
  }

  void load() {
    m = module::load(SBTEST_MODULE_PATH);
    slot = slot_of(*m, "alpha");
  }
  // As when the daemon restarts: the module is finalized and loaded afresh.
  void reload() {
    m.reset();
    load();
  }

  session user_session() {
    session s(m, slot, true);
    s.login(CKU_USER, secret(softhsm_fixture::user_pin));
    return s;
  }

  // Atomically, as the module reads control files while it runs.
  void write(const std::string& name, const std::string& text) const {
    const auto tmp = control / (name + ".tmp");
    std::ofstream(tmp) << text;
    std::filesystem::rename(tmp, control / name);
  }
  std::string read(const std::string& name) const {
    std::ifstream in(control / name);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  bool exists(const std::string& name) const { return std::filesystem::exists(control / name); }
};

template <typename T>
CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, T& value) {
  return {type, &value, sizeof value};
}
CK_ATTRIBUTE attr_bytes(CK_ATTRIBUTE_TYPE type, const std::string& value) {
  return {type, const_cast<char*>(value.data()), value.size()};
}

struct sm2_pair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

sm2_pair generate_sm2(session& s, const std::string& id, const std::string& label) {
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE pub_tmpl[] = {attr(CKA_TOKEN, yes), attr(CKA_VERIFY, yes), attr_bytes(CKA_ID, id),
                             attr_bytes(CKA_LABEL, label)};
  CK_ATTRIBUTE priv_tmpl[] = {attr(CKA_TOKEN, yes), attr(CKA_SIGN, yes), attr(CKA_PRIVATE, yes),
                              attr_bytes(CKA_ID, id), attr_bytes(CKA_LABEL, label)};
  CK_MECHANISM mech{ckm_vendor_sm2_key_pair_gen, nullptr, 0};
  sm2_pair out;
  check(s.owner().api().C_GenerateKeyPair(s.handle(), &mech, pub_tmpl, std::size(pub_tmpl),
                                          priv_tmpl, std::size(priv_tmpl), &out.pub, &out.priv),
        "C_GenerateKeyPair");
  return out;
}

std::vector<CK_OBJECT_HANDLE> find_sm2(const session& s, CK_OBJECT_CLASS cls) {
  CK_KEY_TYPE type = ckk_vendor_sm2;
  CK_ATTRIBUTE tmpl[] = {attr(CKA_CLASS, cls), attr(CKA_KEY_TYPE, type)};
  return s.find(tmpl);
}

std::vector<CK_OBJECT_HANDLE> find_class(const session& s, CK_OBJECT_CLASS cls) {
  CK_ATTRIBUTE tmpl[] = {attr(CKA_CLASS, cls)};
  return s.find(tmpl);
}

// 04||x||y from CKA_EC_POINT (DER OCTET STRING).
bytes public_point(const session& s, CK_OBJECT_HANDLE key) {
  const auto der = s.attribute(key, CKA_EC_POINT);
  REQUIRE(der);
  REQUIRE(der->size() == 67);
  REQUIRE((*der)[0] == 0x04);
  REQUIRE((*der)[1] == 65);
  return {der->begin() + 2, der->end()};
}

bytes to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

std::string hex(const bytes& b) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const auto v : b) {
    out += digits[v >> 4];
    out += digits[v & 0xF];
  }
  return out;
}

sealbridge::crypto::evp_pkey_ptr sm2_public_key(const bytes& point) {
  param_bld_ptr bld{OSSL_PARAM_BLD_new()};
  REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_sm2, 0) == 1);
  REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                           point.size()) == 1);
  params_ptr params{OSSL_PARAM_BLD_to_param(bld.get())};
  sealbridge::crypto::evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr)};
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) == 1);
  return sealbridge::crypto::evp_pkey_ptr{key};
}

bytes raw_to_der(const bytes& raw) {
  REQUIRE(raw.size() == 64);
  ecdsa_sig_ptr sig{ECDSA_SIG_new()};
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), 32, nullptr),
                 BN_bin2bn(raw.data() + 32, 32, nullptr));
  unsigned char* out = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &out);
  REQUIRE(len > 0);
  bytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

// OpenSSL's SM2-with-SM3 verification, the ID set as every Chinese implementation expects.
bool openssl_verifies(const bytes& point, const bytes& message, const bytes& signature,
                      std::string_view id = sm2_default_user_id) {
  const auto key = sm2_public_key(point);
  const bytes der = signature.size() == 64 ? raw_to_der(signature) : signature;
  sealbridge::crypto::evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  EVP_PKEY_CTX* pctx = nullptr;
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sm3(), nullptr, key.get()) == 1);
  REQUIRE(EVP_PKEY_CTX_set1_id(pctx, id.data(), static_cast<int>(id.size())) == 1);
  return EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
}

bytes sm3(const bytes& data) {
  bytes out(32);
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sm3(), nullptr) == 1);
  return out;
}

// e = SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GM/T 0003.2),
// computed here independently of the module.
bytes sm2_e(const bytes& point, std::string_view id, const bytes& message) {
  ec_group_ptr group{EC_GROUP_new_by_curve_name(NID_sm2)};
  bn_ctx_ptr ctx{BN_CTX_new()};
  bn_ptr p{BN_new()}, a{BN_new()}, b{BN_new()}, gx{BN_new()}, gy{BN_new()};
  REQUIRE(EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), ctx.get()) == 1);
  REQUIRE(EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()),
                                          gx.get(), gy.get(), ctx.get()) == 1);
  const auto bits = id.size() * 8;
  bytes z_input = {static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits & 0xFF)};
  z_input.insert(z_input.end(), id.begin(), id.end());
  for (const BIGNUM* n : {a.get(), b.get(), gx.get(), gy.get()}) {
    bytes field(32);
    REQUIRE(BN_bn2binpad(n, field.data(), 32) == 32);
    z_input.insert(z_input.end(), field.begin(), field.end());
  }
  z_input.insert(z_input.end(), point.begin() + 1, point.end());
  bytes e_input = sm3(z_input);
  e_input.insert(e_input.end(), message.begin(), message.end());
  return sm3(e_input);
}

bytes sign_sm3_sm2(session& s, CK_OBJECT_HANDLE key, const bytes& message,
                   std::string_view id = {}) {
  CK_MECHANISM mech{ckm_vendor_sm3_sm2, id.empty() ? nullptr : const_cast<char*>(id.data()),
                    id.size()};
  return s.sign(mech, key, message);
}

// Polls for a control file the module creates; bounded so a broken module fails the test.
bool wait_for(const std::filesystem::path& path) {
  for (int i = 0; i < 1000; ++i) {
    if (std::filesystem::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace

TEST_CASE("SM2 keys generated under the vendor mechanism look like a UKey's",
          "[pkcs11][testmodule][sm2]") {
  faults_module t;
  auto s = t.user_session();
  const auto pair = generate_sm2(s, "\x5A\x01", "company seal key");

  CHECK(find_sm2(s, CKO_PRIVATE_KEY) == std::vector<CK_OBJECT_HANDLE>{pair.priv});
  CHECK(find_sm2(s, CKO_PUBLIC_KEY) == std::vector<CK_OBJECT_HANDLE>{pair.pub});

  SECTION("attributes") {
    for (const auto key : {pair.priv, pair.pub}) {
      CHECK(s.attribute_ulong(key, CKA_KEY_TYPE) == ckk_vendor_sm2);
      CHECK(s.attribute(key, CKA_ID) == bytes{0x5A, 0x01});
      CHECK(s.attribute_string(key, CKA_LABEL) == "company seal key");
      CHECK(s.attribute(key, CKA_EC_PARAMS) == bytes(sm2_ec_params.begin(), sm2_ec_params.end()));
      CHECK(s.attribute_bool(key, CKA_TOKEN) == true);
    }
    CHECK(s.attribute_ulong(pair.priv, CKA_CLASS) == CKO_PRIVATE_KEY);
    CHECK(s.attribute_ulong(pair.pub, CKA_CLASS) == CKO_PUBLIC_KEY);
    CHECK(s.attribute_bool(pair.priv, CKA_SIGN) == true);
    CHECK(s.attribute_bool(pair.priv, CKA_PRIVATE) == true);
    CHECK(s.attribute_bool(pair.pub, CKA_PRIVATE) == false);
    CHECK_FALSE(s.attribute(pair.priv, CKA_VALUE));  // sensitive
    CHECK(public_point(s, pair.priv) == public_point(s, pair.pub));
  }

  SECTION("mixed searches hold SoftHSM's keys and the SM2 keys, never the backing objects") {
    CHECK(find_class(s, CKO_PRIVATE_KEY).size() == 2);  // the RSA key too
    CHECK(find_class(s, CKO_PUBLIC_KEY).size() == 2);
    CHECK(find_class(s, CKO_DATA).empty());
    CHECK(has_private_key(s, bytes{0x5A, 0x01}));
    CHECK(has_private_key(s, bytes{0x01}));
    std::string id = "\x5A\x01";
    CK_ATTRIBUTE by_id[] = {attr_bytes(CKA_ID, id)};
    CHECK(s.find(by_id).size() == 2);
  }

  SECTION("SM3-with-SM2 over a message, default and explicit user ID") {
    const auto point = public_point(s, pair.pub);
    const auto message = to_bytes("bid document digest input");
    const auto sig = sign_sm3_sm2(s, pair.priv, message);
    CHECK(sig.size() == sm2_raw_signature_len);
    CHECK(openssl_verifies(point, message, sig));
    CHECK_FALSE(openssl_verifies(point, to_bytes("another document"), sig));

    const auto alice = sign_sm3_sm2(s, pair.priv, message, "ALICE123@YAHOO.COM");
    CHECK(openssl_verifies(point, message, alice, "ALICE123@YAHOO.COM"));
    CHECK_FALSE(openssl_verifies(point, message, alice));
  }

  SECTION("raw SM2 over e = SM3(Z || M)") {
    const auto point = public_point(s, pair.pub);
    const auto message = to_bytes("seal signature input");
    CK_MECHANISM raw{ckm_vendor_sm2, nullptr, 0};
    const auto sig = s.sign(raw, pair.priv, sm2_e(point, sm2_default_user_id, message));
    CHECK(sig.size() == sm2_raw_signature_len);
    CHECK(openssl_verifies(point, message, sig));
    CHECK(error_of([&] { s.sign(raw, pair.priv, message); }) == errc::pkcs11_error);
  }

  SECTION("the public key cannot sign, other keys take no SM2 mechanism") {
    CHECK(error_of([&] { sign_sm3_sm2(s, pair.pub, to_bytes("x")); }) == errc::pkcs11_error);
    CK_MECHANISM sha256_rsa{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK(error_of([&] { s.sign(sha256_rsa, pair.priv, to_bytes("x")); }) == errc::pkcs11_error);
  }

  SECTION("before login only the public key shows, and the private key cannot sign") {
    session anonymous(t.m, t.slot, false);
    s.logout();
    CHECK(find_sm2(anonymous, CKO_PRIVATE_KEY).empty());
    CHECK(find_sm2(anonymous, CKO_PUBLIC_KEY).size() == 1);
    CHECK(error_of([&] { sign_sm3_sm2(anonymous, pair.priv, to_bytes("x")); }) ==
          errc::pin_required);
  }

  SECTION("the mechanisms are advertised") {
    const auto mechs = t.m->mechanisms(t.slot);
    for (const auto code :
         {ckm_vendor_sm2, ckm_vendor_sm2_key_pair_gen, ckm_vendor_sm3_sm2, ckm_vendor_sm3}) {
      CHECK(std::find(mechs.begin(), mechs.end(), code) != mechs.end());
    }
    CK_MECHANISM_INFO info{};
    check(t.m->api().C_GetMechanismInfo(t.slot, ckm_vendor_sm3_sm2, &info), "C_GetMechanismInfo");
    CHECK((info.flags & CKF_SIGN) != 0);
    CHECK(info.ulMaxKeySize == 256);
    check(t.m->api().C_GetMechanismInfo(t.slot, ckm_vendor_sm2_key_pair_gen, &info),
          "C_GetMechanismInfo");
    CHECK((info.flags & CKF_GENERATE_KEY_PAIR) != 0);
  }

  SECTION("destroying the private key leaves the public key") {
    s.destroy_object(pair.priv);
    CHECK(find_sm2(s, CKO_PRIVATE_KEY).empty());
    CHECK(find_sm2(s, CKO_PUBLIC_KEY).size() == 1);
  }
}

TEST_CASE("SM2 keys persist on the token across a module reload", "[pkcs11][testmodule][sm2]") {
  faults_module t;
  bytes point;
  {
    auto s = t.user_session();
    const auto pair = generate_sm2(s, "\x07", "persisted");
    point = public_point(s, pair.pub);
  }
  t.reload();
  auto s = t.user_session();
  const auto keys = find_sm2(s, CKO_PRIVATE_KEY);
  REQUIRE(keys.size() == 1);
  CHECK(s.attribute_string(keys.front(), CKA_LABEL) == "persisted");
  CHECK(public_point(s, keys.front()) == point);
  const auto message = to_bytes("after restart");
  CHECK(openssl_verifies(point, message, sign_sm3_sm2(s, keys.front(), message)));
}

TEST_CASE("an existing SM2 key is imported with C_CreateObject", "[pkcs11][testmodule][sm2]") {
  faults_module t(env_map{{"SEALBRIDGE_TESTMODULE_SM2_SIGNATURE", "der"}});
  sealbridge::crypto::evp_pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")};
  REQUIRE(key);
  BIGNUM* d = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1);
  bytes scalar(32);
  REQUIRE(BN_bn2binpad(d, scalar.data(), 32) == 32);
  BN_clear_free(d);
  bytes expected_point(65);
  std::size_t point_len = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, expected_point.data(),
                                          expected_point.size(), &point_len) == 1);

  auto s = t.user_session();
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_KEY_TYPE type = ckk_vendor_sm2;
  CK_BBOOL yes = CK_TRUE;
  std::string id = "\x11\x22";
  std::string label = "imported";
  CK_ATTRIBUTE tmpl[] = {attr(CKA_CLASS, cls),         attr(CKA_KEY_TYPE, type),
                         attr(CKA_TOKEN, yes),         attr_bytes(CKA_ID, id),
                         attr_bytes(CKA_LABEL, label), {CKA_VALUE, scalar.data(), scalar.size()}};
  const auto priv = s.create_object(tmpl);

  REQUIRE(find_sm2(s, CKO_PUBLIC_KEY).size() == 1);  // derived
  CHECK(public_point(s, priv) == expected_point);

  const auto message = to_bytes("imported key signs");
  const auto sig = sign_sm3_sm2(s, priv, message);
  CHECK(sig.front() == 0x30);  // DER, as configured
  CHECK(sig.size() <= 72);
  CHECK(openssl_verifies(expected_point, message, sig));

  SECTION("a scalar outside the curve order is refused") {
    bytes bad(32, 0xFF);
    tmpl[5] = {CKA_VALUE, bad.data(), bad.size()};
    CHECK(error_of([&] { s.create_object(tmpl); }) == errc::pkcs11_error);
  }

  SECTION("SM3 digest under its vendor code") {
    CK_MECHANISM mech{ckm_vendor_sm3, nullptr, 0};
    auto& api = t.m->api();
    check(api.C_DigestInit(s.handle(), &mech), "C_DigestInit");
    bytes input = message;
    bytes out(32);
    CK_ULONG len = 32;
    check(api.C_Digest(s.handle(), input.data(), input.size(), out.data(), &len), "C_Digest");
    CHECK(out == sm3(message));
  }
}

TEST_CASE("sm-crypto, an independent SM2 implementation, accepts the module's signatures",
          "[pkcs11][testmodule][sm2][node]") {
  const std::filesystem::path source = SEALBRIDGE_SOURCE_DIR;
  const auto modules = source / "tests" / "node_modules" / "sm-crypto";
  INFO("needs the node packages: run npm ci in tests/ (" << modules << ")");
  REQUIRE(std::filesystem::exists(modules));
  const auto script = source / "tests" / "testmodule" / "verify_sm2.mjs";

  const auto format = GENERATE(std::string("raw"), std::string("der"));
  faults_module t(env_map{{"SEALBRIDGE_TESTMODULE_SM2_SIGNATURE", format}});
  auto s = t.user_session();
  const auto pair = generate_sm2(s, "\x09", "judged");
  const auto point = public_point(s, pair.pub);
  const bytes message = {0x00, 0x01, 'b', 'i', 'd', 0xE7, 0xAB, 0xA0, 0xFF};
  const auto sig = sign_sm3_sm2(s, pair.priv, message);

  const auto judge = [&](const bytes& m) {
    const std::string command = "node '" + script.string() + "' " + hex(m) + " " + hex(sig) + " " +
                                hex(point) + " " + format;
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
  };
  CHECK(judge(message) == 0);
  CHECK(judge(to_bytes("tampered")) == 1);
}

TEST_CASE("PIN retry counters count down, lock, and reset", "[pkcs11][testmodule][pin]") {
  faults_module t(env_map{{"SEALBRIDGE_TESTMODULE_PIN_TRIES", "3"}});
  session s(t.m, t.slot, false);
  const secret wrong("000000");
  const secret right(softhsm_fixture::user_pin);
  const auto flags = [&] { return t.m->token(t.slot).flags; };
  const auto serial = t.m->token(t.slot).serial;

  CHECK_FALSE(flags().pin_count_low);
  CHECK_FALSE(flags().pin_final_try);
  CHECK_FALSE(flags().pin_locked);

  CHECK(error_of([&] { s.login(CKU_USER, wrong); }) == errc::pin_incorrect);
  CHECK(flags().pin_count_low);
  CHECK_FALSE(flags().pin_final_try);
  CHECK(t.read("pin-tries-" + serial) == "2\n");

  CHECK(error_of([&] { s.login(CKU_USER, wrong); }) == errc::pin_incorrect);
  CHECK(flags().pin_count_low);
  CHECK(flags().pin_final_try);

  SECTION("the right PIN resets the counter") {
    s.login(CKU_USER, right);
    CHECK_FALSE(flags().pin_count_low);
    CHECK_FALSE(flags().pin_final_try);
    CHECK_FALSE(t.exists("pin-tries-" + serial));
  }

  SECTION("the third wrong PIN locks; then even the right PIN is refused unforwarded") {
    CHECK(error_of([&] { s.login(CKU_USER, wrong); }) == errc::pin_locked);
    CHECK(flags().pin_locked);
    // SoftHSM would accept this PIN: the refusal can only come from the module.
    CHECK(error_of([&] { s.login(CKU_USER, right); }) == errc::pin_locked);

    SECTION("deleting the counter file unlocks") {
      std::filesystem::remove(t.control / ("pin-tries-" + serial));
      CHECK_FALSE(flags().pin_locked);
      s.login(CKU_USER, right);
    }
  }

  SECTION("the count survives a restart") {
    t.reload();
    CHECK(t.m->token(t.slot).flags.pin_final_try);
  }
}

TEST_CASE("PIN lengths can be overridden and are enforced", "[pkcs11][testmodule][pin]") {
  SECTION("default: SoftHSM's lengths and no lockout") {
    faults_module t;
    const auto info = t.m->token(t.slot);
    CHECK(info.min_pin_len == 4);
    CHECK(info.max_pin_len == 255);
    session s(t.m, t.slot, false);
    for (int i = 0; i < 4; ++i) {
      CHECK(error_of([&] { s.login(CKU_USER, secret("000000")); }) == errc::pin_incorrect);
    }
    // SoftHSM sets CKF_USER_PIN_COUNT_LOW itself, but never the final-try or locked flags.
    CHECK_FALSE(t.m->token(t.slot).flags.pin_final_try);
    CHECK_FALSE(t.m->token(t.slot).flags.pin_locked);
    s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  }
  SECTION("overridden") {
    faults_module t(env_map{{"SEALBRIDGE_TESTMODULE_PIN_LEN", "6:8"},
                            {"SEALBRIDGE_TESTMODULE_PIN_TRIES", "5"}});
    const auto info = t.m->token(t.slot);
    CHECK(info.min_pin_len == 6);
    CHECK(info.max_pin_len == 8);
    session s(t.m, t.slot, false);
    CHECK(error_of([&] { s.login(CKU_USER, secret("1234")); }) == errc::pin_length);
    CHECK_FALSE(t.m->token(t.slot).flags.pin_count_low);  // no try used up
    s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  }
  SECTION("a malformed setting fails C_Initialize") {
    setenv("SEALBRIDGE_TESTMODULE_PIN_LEN", "eight", 1);
    CHECK(error_of([] { faults_module t; }) == errc::module_load_failed);
    for (const char* name : env_names) unsetenv(name);
  }
}

TEST_CASE("remove-after unplugs the token during the Nth call", "[pkcs11][testmodule][faults]") {
  faults_module t;
  const auto serial = t.m->token(t.slot).serial;
  auto s = t.user_session();
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  std::string label = "seal";
  CK_ATTRIBUTE data[] = {attr(CKA_CLASS, cls), attr(CKA_TOKEN, yes), attr(CKA_PRIVATE, no),
                         attr_bytes(CKA_LABEL, label)};
  const auto replug = [&] {
    t.write("hidden", "");
    auto fresh = t.user_session();
    return find_class(fresh, CKO_DATA).size();
  };

  SECTION("before: the call never reaches the token") {
    t.write("remove-after", "C_CreateObject 2\n");
    s.create_object(data);  // the first call passes
    CHECK(error_of([&] { s.create_object(data); }) == errc::token_removed);
    CHECK_FALSE(t.exists("remove-after"));
    CHECK(t.read("hidden") == serial + "\n");
    CHECK_FALSE(t.m->token_present(t.slot));
    CHECK(error_of([&] { find_class(s, CKO_DATA); }) == errc::token_removed);
    CHECK(replug() == 1);
  }

  SECTION("after: the write happened, the answer is lost") {
    t.write("remove-after", "C_CreateObject 1 after\n");
    CHECK(error_of([&] { s.create_object(data); }) == errc::token_removed);
    CHECK_FALSE(t.m->token_present(t.slot));
    CHECK(replug() == 1);
  }
}

TEST_CASE("pause-at holds a call until resume", "[pkcs11][testmodule][faults]") {
  faults_module t;
  auto s = t.user_session();
  std::atomic<bool> done{false};

  SECTION("before forwarding") {
    t.write("pause-at", "C_FindObjectsInit\n");
    std::size_t found = 0;
    std::thread worker([&] {
      found = find_certificates(s).size();
      done = true;
    });
    REQUIRE(wait_for(t.control / "paused-C_FindObjectsInit"));
    CHECK(std::stoi(t.read("paused-C_FindObjectsInit")) == getpid());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(done);
    t.write("resume", "");
    worker.join();
    CHECK(done);
    CHECK(found == 1);
    CHECK_FALSE(t.exists("paused-C_FindObjectsInit"));
    CHECK_FALSE(t.exists("pause-at"));
  }

  SECTION("after forwarding: the work is done while the answer waits") {
    t.write("pause-at", "C_CreateObject 1 after\n");
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE data[] = {attr(CKA_CLASS, cls), attr(CKA_TOKEN, yes), attr(CKA_PRIVATE, no)};
    std::thread worker([&] {
      s.create_object(data);
      done = true;
    });
    REQUIRE(wait_for(t.control / "paused-C_CreateObject"));
    session other(t.m, t.slot, false);
    CHECK(find_class(other, CKO_DATA).size() == 1);
    CHECK_FALSE(done);
    t.write("resume", "");
    worker.join();
    CHECK(done);
  }
}

TEST_CASE("fail injects a return code once", "[pkcs11][testmodule][faults]") {
  faults_module t;
  t.write("fail", "C_GetTokenInfo CKR_DEVICE_ERROR\n");
  CHECK(error_of([&] { t.m->token(t.slot); }) == errc::pkcs11_error);
  CHECK_FALSE(t.exists("fail"));
  CHECK(t.m->token(t.slot).label == "alpha");

  // A vendor code by number. C_SignInit rather than C_Sign: an injected failure does not end
  // an operation the target has open.
  auto s = t.user_session();
  t.write("fail", "C_SignInit 0x80000123\n");
  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  std::vector<std::uint8_t> id{0x01};
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE tmpl[] = {attr(CKA_CLASS, cls), {CKA_ID, id.data(), id.size()}};
  const auto key = s.find(tmpl).front();
  try {
    s.sign(mech, key, to_bytes("x"));
    FAIL("no error");
  } catch (const sealbridge::error& e) {
    CHECK(e.detail() == "C_SignInit: CKR_VENDOR_DEFINED (0x80000123)");
  }
  CHECK(s.sign(mech, key, to_bytes("x")).size() == 256);
}
