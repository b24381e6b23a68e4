#include "service/update_manifest.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/json_nesting.hpp"
#include "crypto/digest.hpp"
#include "crypto/ed25519.hpp"

namespace sealbridge::service {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& why) {
  throw error(errc::update_manifest_invalid, why);
}

json parse_json(std::string_view text, const char* what) {
  // A manifest is flat; deeper nesting is refused before the parser sees it, so a hostile
  // server cannot make it recurse.
  if (json_nesting_exceeds(text, 8)) invalid(std::string(what) + " is nested too deeply");
  // Duplicate keys cannot split what is verified from what is read: the signature covers the
  // canonical form of the parsed object, and the fields are read from that same object.
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) invalid(std::string(what) + " is not JSON");
  return parsed;
}

void check_signed_values(const json& object) {
  if (!object.is_object()) invalid("\"signed\" must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string() && !value.is_number_unsigned())
      invalid("\"signed\"." + key + " must be a string or a non-negative integer");
  }
}

// The canonical form: nlohmann's std::map keeps keys sorted bytewise, dump() without an indent
// writes no whitespace and escapes exactly what canonical_manifest_bytes documents.
std::string canonical_of(const json& object) {
  check_signed_values(object);
  try {
    return object.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception&) {
    invalid("\"signed\" holds text that is not UTF-8");
  }
}

const std::string& string_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) invalid(std::string("\"") + name + "\" is missing");
  return it->get_ref<const std::string&>();
}

std::uint64_t integer_field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_unsigned())
    invalid(std::string("\"") + name + "\" must be a non-negative integer");
  return it->get<std::uint64_t>();
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

update_manifest manifest_fields(const json& object) {
  update_manifest out;
  out.version = string_field(object, "version");
  if (!compare_versions(out.version, out.version))
    invalid("\"version\" must be dotted numbers, e.g. 1.2.0");
  out.serial = integer_field(object, "serial");
  auto expires = parse_iso8601(string_field(object, "expires"));
  if (!expires) invalid("\"expires\" must be an ISO 8601 time");
  out.expires = *expires;
  if (auto it = object.find("notes"); it != object.end()) out.notes = string_field(object, "notes");
  out.url = string_field(object, "url");
  // The installer comes from HTTPS only, like the manifest; where it points is signed.
  if (!out.url.starts_with("https://") || out.url.size() <= 8) invalid("\"url\" must be https://");
  out.size = integer_field(object, "size");
  if (out.size == 0) invalid("\"size\" must be positive");
  out.sha256 = string_field(object, "sha256");
  if (out.sha256.size() != 64 || !is_lower_hex(out.sha256))
    invalid("\"sha256\" must be 64 lower-case hex digits");
  return out;
}

}  // namespace

std::string canonical_manifest_bytes(std::string_view signed_json) {
  return canonical_of(parse_json(signed_json, "the signed part"));
}

std::string update_key_id(byte_view raw_public_key) {
  auto hash = crypto::digest(crypto::digest_alg::sha256, raw_public_key);
  return to_hex(byte_view(hash).first(8));
}

update_manifest parse_signed_manifest(std::string_view text,
                                      const std::vector<bytes>& pinned_keys) {
  if (text.size() > kMaxManifestBytes) invalid("the manifest is larger than 64 KiB");
  json file = parse_json(text, "the manifest");
  if (!file.is_object() || !file.contains("signed") || !file.contains("signatures"))
    invalid("the manifest needs \"signed\" and \"signatures\"");
  const json& signed_part = file.at("signed");
  const json& signatures = file.at("signatures");
  auto message = canonical_of(signed_part);
  if (!signatures.is_array() || signatures.empty() || signatures.size() > kMaxManifestSignatures)
    invalid("\"signatures\" must list 1 to 8 signatures");

  bool verified = false;
  for (const auto& entry : signatures) {
    if (!entry.is_object()) invalid("each signature is {\"keyid\", \"sig\"}");
    const auto& keyid = string_field(entry, "keyid");
    const auto& sig_text = string_field(entry, "sig");
    bytes sig;
    try {
      sig = from_base64(sig_text);
    } catch (const error&) {
      invalid("a signature is not base64");
    }
    for (const auto& key : pinned_keys) {
      if (update_key_id(key) != keyid) continue;
      if (crypto::ed25519_verify(key, as_bytes(message), sig)) verified = true;
    }
  }
  if (!verified)
    throw error(errc::update_signature_invalid, "no signature verifies with a pinned key");
  // Fields are read only after the signature held: nothing unsigned is ever interpreted.
  return manifest_fields(signed_part);
}

std::string sign_manifest(std::string_view signed_json, const std::vector<std::string>& key_pems) {
  json signed_part = parse_json(signed_json, "the manifest to sign");
  if (signed_part.is_object() && signed_part.contains("signed"))
    invalid("give the \"signed\" object itself, not a signed manifest");
  auto message = canonical_of(signed_part);
  manifest_fields(signed_part);  // a release engineer learns of a bad field now, not the daemon
  json signatures = json::array();
  for (const auto& pem : key_pems) {
    auto key = crypto::ed25519_private_key_from_pem(pem);
    auto sig = crypto::ed25519_sign(key.get(), as_bytes(message));
    signatures.push_back({{"keyid", update_key_id(crypto::ed25519_raw_public_key(key.get()))},
                          {"sig", to_base64(sig)}});
  }
  if (signatures.empty()) throw error(errc::bad_params, "no signing key given");
  json file = {{"signed", std::move(signed_part)}, {"signatures", std::move(signatures)}};
  return file.dump(2) + "\n";
}

std::optional<int> compare_versions(std::string_view a, std::string_view b) {
  auto parts = [](std::string_view text) -> std::optional<std::vector<std::uint32_t>> {
    std::vector<std::uint32_t> out;
    std::size_t start = 0;
    for (;;) {
      auto dot = text.find('.', start);
      auto part =
          text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      std::uint32_t value = 0;
      if (part.empty() || part.size() > 9) return std::nullopt;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
      if (ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
      out.push_back(value);
      if (out.size() > 4) return std::nullopt;
      if (dot == std::string_view::npos) return out;
      start = dot + 1;
    }
  };
  auto left = parts(a);
  auto right = parts(b);
  if (!left || !right) return std::nullopt;
  // 1.2 == 1.2.0: missing parts count as zero.
  left->resize(4, 0);
  right->resize(4, 0);
  if (*left < *right) return -1;
  if (*left > *right) return 1;
  return 0;
}

update_status check_update_policy(const update_manifest& manifest, sys_seconds now,
                                  std::optional<std::uint64_t> last_serial,
                                  std::string_view running_version) {
  if (now >= manifest.expires)
    throw error(errc::update_expired, "the manifest expired at " + to_iso8601(manifest.expires));
  if (last_serial && manifest.serial < *last_serial) {
    throw error(errc::update_rollback, "serial " + std::to_string(manifest.serial) +
                                           " is lower than " + std::to_string(*last_serial) +
                                           ", seen before");
  }
  auto order = compare_versions(manifest.version, running_version);
  if (!order) invalid("version " + manifest.version + " cannot be compared with the running one");
  if (*order > 0) return update_status::available;
  return *order == 0 ? update_status::up_to_date : update_status::older_than_running;
}

}  // namespace sealbridge::service
