// sb-sealmaker: a demo seal maker for tests and the demo key. It makes an SM2 seal-maker CA,
// issues GB/T 38540 seals bound to a user certificate, and writes seals onto a token the way a
// vendor's seal tool does. Not part of the daemon.
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "tests/tools/key_import.hpp"
#include "tests/tools/key_read.hpp"
#include "tests/tools/maker_ca.hpp"
#include "tests/tools/seal_issue.hpp"
#include "tests/tools/token_store.hpp"
#include "tests/tools/tool_files.hpp"

namespace sealbridge::tools {
namespace {

constexpr const char* kUsage = R"(Usage:
  sb-sealmaker init-maker DIR
      SM2 seal-maker root CA (DIR/root.pem, root.key) and maker certificate (DIR/maker.pem,
      maker.key) signed by it.
  sb-sealmaker issue --maker DIR --user-cert CERT --es-id ID --name NAME --type N
                     --valid-from ISO --valid-to ISO [--created ISO] [--picture FILE.png]
                     [--width-mm 40] [--height-mm 40] [--vid V] --out FILE
      A GB/T 38540 seal bound to CERT (DER or PEM); without --picture, a drawn red round seal.
  sb-sealmaker store --module SO --token-label L --pin P [--application "SealBridge Seal"]
                     --label ES_ID [--private] FILE
      Writes FILE as one CKO_DATA object on the token (a single C_CreateObject).
  sb-sealmaker import-key --module SO --token-label L --pin P --key KEY.pem
                          --cert CERT --id HEX --label TEXT
      Puts an SM2 key and its certificate (DER or PEM) on the token the way the test module
      (libsbtest-pkcs11.so) takes SM2 keys: CKK_VENDOR_SM2 0x80000101 with the private scalar.
  sb-sealmaker public-key --module SO --token-label L --id HEX
      Prints the public point (hex 04||x||y) of the EC or SM2 public key object with CKA_ID HEX.
)";

struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --name value pairs and positional arguments; flags listed in `switches` take no value.
struct arguments {
  std::map<std::string, std::string> options;
  std::set<std::string> flags;
  std::vector<std::string> positional;

  std::string required(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end() || it->second.empty()) throw usage_error("missing --" + name);
    return it->second;
  }
  std::string value_or(const std::string& name, std::string fallback) const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  bool has(const std::string& name) const { return options.count(name) > 0; }
};

arguments parse(int argc, char** argv, int first, const std::set<std::string>& allowed,
                const std::set<std::string>& switches = {}) {
  arguments a;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (!arg.starts_with("--")) {
      a.positional.push_back(arg);
      continue;
    }
    auto name = arg.substr(2);
    if (switches.count(name)) {
      a.flags.insert(name);
      continue;
    }
    if (!allowed.count(name)) throw usage_error("unknown option " + arg);
    if (i + 1 >= argc) throw usage_error(arg + " needs a value");
    a.options[name] = argv[++i];
  }
  return a;
}

sys_seconds time_option(const arguments& a, const std::string& name) {
  auto parsed = parse_iso8601(a.required(name));
  if (!parsed) throw usage_error("--" + name + " must be an ISO 8601 time");
  return *parsed;
}

long number_option(const arguments& a, const std::string& name, long fallback) {
  if (!a.has(name)) return fallback;
  try {
    std::size_t used = 0;
    long v = std::stol(a.options.at(name), &used);
    if (used == a.options.at(name).size()) return v;
  } catch (const std::exception&) {
  }
  throw usage_error("--" + name + " must be a whole number");
}

int init_maker_command(int argc, char** argv) {
  auto a = parse(argc, argv, 2, {});
  if (a.positional.size() != 1) throw usage_error("init-maker takes one directory");
  maker_files files{a.positional.front()};
  init_maker(files);
  std::cout << "seal maker root: " << files.root_cert().string() << "\n";
  return 0;
}

int issue_command(int argc, char** argv) {
  auto a = parse(argc, argv, 2,
                 {"maker", "user-cert", "es-id", "name", "type", "valid-from", "valid-to",
                  "created", "picture", "width-mm", "height-mm", "vid", "out"});
  if (!a.positional.empty()) throw usage_error("unexpected argument " + a.positional.front());
  issue_request r;
  r.maker.dir = a.required("maker");
  r.user_cert = a.required("user-cert");
  r.es_id = a.required("es-id");
  r.name = a.required("name");
  r.type = number_option(a, "type", 0);
  if (!a.has("type")) throw usage_error("missing --type");
  r.valid_from = time_option(a, "valid-from");
  r.valid_to = time_option(a, "valid-to");
  if (a.has("created")) r.created = time_option(a, "created");
  if (a.has("picture")) r.picture = a.required("picture");
  r.width_mm = number_option(a, "width-mm", 40);
  r.height_mm = number_option(a, "height-mm", 40);
  r.vid = a.value_or("vid", r.vid);
  auto out = a.required("out");
  auto der = issue_seal(r);
  write_file(out, der);
  return 0;
}

int store_command(int argc, char** argv) {
  auto a =
      parse(argc, argv, 2, {"module", "token-label", "pin", "application", "label"}, {"private"});
  if (a.positional.size() != 1) throw usage_error("store takes one seal file");
  store_request r;
  r.module = a.required("module");
  r.token_label = a.required("token-label");
  r.pin = secret(a.required("pin"));
  r.application = a.value_or("application", r.application);
  r.label = a.required("label");
  r.private_object = a.flags.count("private") > 0;
  auto der = read_file(a.positional.front());
  store_seal(r, der);
  std::cout << "stored " << der.size() << " bytes as '" << r.label << "'\n";
  return 0;
}

bytes id_option(const arguments& a) {
  try {
    auto id = from_hex(a.required("id"));
    if (!id.empty()) return id;
  } catch (const error&) {
  }
  throw usage_error("--id must be hex digits");
}

int import_key_command(int argc, char** argv) {
  auto a = parse(argc, argv, 2, {"module", "token-label", "pin", "key", "cert", "id", "label"});
  if (!a.positional.empty()) throw usage_error("unexpected argument " + a.positional.front());
  import_request r;
  r.module = a.required("module");
  r.token_label = a.required("token-label");
  r.pin = secret(a.required("pin"));
  r.key = a.required("key");
  r.cert = a.required("cert");
  r.id = id_option(a);
  r.label = a.required("label");
  import_sm2_key(r);
  std::cout << "imported SM2 key and certificate as '" << r.label << "'\n";
  return 0;
}

int public_key_command(int argc, char** argv) {
  auto a = parse(argc, argv, 2, {"module", "token-label", "id"});
  if (!a.positional.empty()) throw usage_error("unexpected argument " + a.positional.front());
  auto point = token_public_point(a.required("module"), a.required("token-label"), id_option(a));
  std::cout << to_hex(point) << "\n";
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 2) throw usage_error("no command");
  std::string command = argv[1];
  if (command == "-h" || command == "--help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "init-maker") return init_maker_command(argc, argv);
  if (command == "issue") return issue_command(argc, argv);
  if (command == "store") return store_command(argc, argv);
  if (command == "import-key") return import_key_command(argc, argv);
  if (command == "public-key") return public_key_command(argc, argv);
  throw usage_error("unknown command " + command);
}

}  // namespace
}  // namespace sealbridge::tools

int main(int argc, char** argv) {
  try {
    return sealbridge::tools::run(argc, argv);
  } catch (const sealbridge::tools::usage_error& e) {
    std::cerr << "sb-sealmaker: " << e.what() << "\n" << sealbridge::tools::kUsage;
    return 2;
  } catch (const sealbridge::error& e) {
    std::cerr << "sb-sealmaker: " << sealbridge::code_name(e.code()) << ": " << e.detail() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "sb-sealmaker: " << e.what() << "\n";
    return 1;
  }
}
