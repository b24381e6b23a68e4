#include "tests/unit/pkcs11/softhsm_fixture.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace sealbridge::test {
namespace {

std::string quote(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

}  // namespace

softhsm_fixture::softhsm_fixture() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sb-pkcs11-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::create_directory(dir_ / "tokens");
  std::ofstream conf(dir_ / "softhsm2.conf");
  conf << "directories.tokendir = " << (dir_ / "tokens").string() << "\n"
       << "objectstore.backend = file\n"
       << "log.level = ERROR\n";
  conf.close();
  setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1);
}

softhsm_fixture::~softhsm_fixture() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void softhsm_fixture::run(const std::string& command) const {
  const std::string logged = command + " >>" + quote(dir_ / "commands.log") + " 2>&1";
  if (std::system(logged.c_str()) != 0) throw std::runtime_error("command failed: " + command);
}

void softhsm_fixture::init_token(const std::string& label) {
  run("softhsm2-util --init-token --free --label '" + label + "' --so-pin " + so_pin + " --pin " +
      user_pin);
}

std::vector<std::uint8_t> softhsm_fixture::import_credential(const std::string& token_label,
                                                             const std::string& object_label,
                                                             const std::string& id_hex) {
  const auto n = std::to_string(++counter_);
  const auto key = dir_ / ("key" + n + ".pem");
  const auto cert = dir_ / ("cert" + n + ".der");
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=" + object_label +
      "' -keyout " + quote(key) + " -outform DER -out " + quote(cert));
  const std::string tool = std::string("pkcs11-tool --module ") + module_path + " --token-label '" +
                           token_label + "' --login --pin " + user_pin + " --id " + id_hex +
                           " --label '" + object_label + "'";
  run(tool + " --write-object " + quote(cert) + " --type cert");
  run(tool + " --write-object " + quote(key) + " --type privkey");
  // Real keys keep the public half as a public object, which is how a key pair is seen
  // before login.
  const auto pub = dir_ / ("pub" + n + ".der");
  run("openssl pkey -in " + quote(key) + " -pubout -outform DER -out " + quote(pub));
  run(tool + " --write-object " + quote(pub) + " --type pubkey");
  return read_file(cert);
}

CK_SLOT_ID slot_of(const pkcs11::module& m, const std::string& label) {
  for (const auto slot : m.slots(true)) {
    if (m.token(slot).label == label) return slot;
  }
  throw std::runtime_error("no token labelled " + label);
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace sealbridge::test
