#include <nlohmann/json.hpp>

#include "api/methods.hpp"
#include "api/params.hpp"
#include "api/sign_params.hpp"
#include "core/bytes.hpp"
#include "core/iso_time.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/digest.hpp"
#include "crypto/sm2.hpp"
#include "service/seal_signing.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

std::string algorithm_name(service::key_family family, crypto::digest_alg digest,
                           service::rsa_padding padding) {
  std::string hash(crypto::digest_name(digest));
  hash.erase(std::remove(hash.begin(), hash.end(), '-'), hash.end());  // "SHA256"
  switch (family) {
    case service::key_family::rsa:
      return (padding == service::rsa_padding::pss ? "RSA-PSS-" : "RSA-PKCS1-") + hash;
    case service::key_family::ec:
      return "ECDSA-" + hash;
    case service::key_family::sm2:
      break;
  }
  return "SM2-SM3";
}

// sign.hash: one signature over a hash made by the page (or, for SM2, over the message).
void sign_hash(services& s, const json& params, const call_context& context, responder reply) {
  auto request = signing_request_from(params, context, "签名数据", "Sign data");
  auto hash = optional_base64(params, "hash");
  auto data = optional_base64(params, "data");
  if (hash.has_value() == data.has_value())
    throw error(errc::bad_params, "give either hash or data (base64)");
  auto digest = digest_param(params, hash ? std::optional<crypto::digest_alg>{}
                                          : std::optional(crypto::digest_alg::sha256));
  if (hash && hash->size() != crypto::digest_size(digest))
    throw error(errc::bad_params,
                "hash is not as long as " + std::string(crypto::digest_name(digest)) + " requires");
  auto padding = rsa_padding_param(params);
  bool raw = encoding_param(params);

  bytes shown = hash ? *hash : crypto::digest(crypto::digest_alg::sha256, *data);
  // The dialog shows a SHA-256 in its own field; other digests go in the detail line.
  bool shown_is_sha256 = !hash || digest == crypto::digest_alg::sha256;
  request.items.push_back(
      {hash ? "数据摘要 / Digest" : "数据 / Data", "", shown_is_sha256 ? to_hex(shown) : "",
       shown_is_sha256 ? "" : std::string(crypto::digest_name(digest)) + ": " + to_hex(shown)});
  bool by_message = data.has_value();
  request.accept = [digest, by_message,
                    hash_given = hash.has_value()](const service::signer_certificate& cert) {
    if (cert.family == service::key_family::sm2) {
      if (hash_given && digest != crypto::digest_alg::sm3)
        throw error(errc::bad_params,
                    "an SM2 signature over a hash takes e = SM3(Z||M) (hash_alg SM3)");
    } else if (digest == crypto::digest_alg::sm3) {
      throw error(errc::bad_params, "SM3 goes with SM2 certificates only");
    }
    (void)by_message;
  };

  auto input = std::make_shared<bytes>(hash ? std::move(*hash) : std::move(*data));
  s.signing.sign(
      std::move(request),
      [reply, input, by_message, digest, padding, raw](
          service::signing_key& key, const service::token_access&, const pkcs11::session&) {
        const auto& cert = key.certificate();
        bytes signature;
        switch (cert.family) {
          case service::key_family::rsa:
            signature =
                key.sign_rsa(digest, by_message ? crypto::digest(digest, *input) : *input, padding);
            break;
          case service::key_family::ec: {
            auto rs = key.sign_ecdsa(by_message ? crypto::digest(digest, *input) : *input);
            signature = raw ? rs : crypto::ec_raw_to_der(rs);
            break;
          }
          case service::key_family::sm2: {
            auto der = by_message ? key.sign_sm2(*input) : key.sign_sm2_digest(*input);
            signature = raw ? crypto::ecdsa_der_to_raw(der, 32) : der;
            break;
          }
        }
        reply.ok(json{{"signature", to_base64(signature)},
                      {"algorithm", algorithm_name(cert.family,
                                                   cert.family == service::key_family::sm2
                                                       ? crypto::digest_alg::sm3
                                                       : digest,
                                                   padding)},
                      {"encoding", cert.family == service::key_family::rsa ? "pkcs1"
                                   : raw                                   ? "raw"
                                                                           : "der"}});
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

// sign.cms: CMS SignedData over data (embedded unless detached) or over a hash (detached).
void sign_cms(services& s, const json& params, const call_context& context, responder reply) {
  auto request = signing_request_from(params, context, "签名数据", "Sign data");
  auto hash = optional_base64(params, "hash");
  auto data = optional_base64(params, "data");
  if (hash.has_value() == data.has_value())
    throw error(errc::bad_params, "give either hash or data (base64)");
  auto requested = digest_param(params, crypto::digest_alg::sha256);
  if (hash && hash->size() != crypto::digest_size(requested))
    throw error(errc::bad_params, "hash is not as long as " +
                                      std::string(crypto::digest_name(requested)) + " requires");
  bool detached = hash.has_value() || optional_bool(params, "detached", false);
  auto shown = hash ? *hash : crypto::digest(requested, *data);
  bool cms_sha256 = requested == crypto::digest_alg::sha256;
  request.items.push_back(
      {"CMS", "", cms_sha256 ? to_hex(shown) : "",
       cms_sha256 ? "" : std::string(crypto::digest_name(requested)) + ": " + to_hex(shown)});
  request.accept = [requested,
                    hash_given = hash.has_value()](const service::signer_certificate& cert) {
    bool sm2 = cert.family == service::key_family::sm2;
    if (sm2 && hash_given && requested != crypto::digest_alg::sm3)
      throw error(errc::bad_params, "an SM2 CMS over a hash needs an SM3 hash (hash_alg SM3)");
    if (!sm2 && requested == crypto::digest_alg::sm3)
      throw error(errc::bad_params, "SM3 goes with SM2 certificates only");
  };
  auto content = std::make_shared<bytes>(data ? std::move(*data) : bytes{});
  auto content_digest = std::make_shared<std::optional<bytes>>(std::move(hash));
  s.signing.sign(
      std::move(request),
      [reply, content, content_digest, detached, requested](
          service::signing_key& key, const service::token_access&, const pkcs11::session&) {
        crypto::cms_options options;
        options.digest = key.certificate().family == service::key_family::sm2
                             ? crypto::digest_alg::sm3
                             : requested;
        options.detached = detached;
        auto cms = crypto::build_signed_data(
            external_signer_for(key), options,
            content_digest->has_value() ? std::nullopt : std::optional<byte_view>(*content),
            content_digest->has_value() ? std::optional<byte_view>(**content_digest)
                                        : std::nullopt);
        reply.ok(json{{"cms", to_base64(cms)}, {"detached", detached}});
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

sys_seconds now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// propertyInfo is an IA5String: printable ASCII only.
std::string property_info_param(const json& params) {
  auto text = optional_string(params, "property_info").value_or("");
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e)
      throw error(errc::bad_params, "property_info must be printable ASCII (an IA5String)");
  }
  return text;
}

// sign.seal: a GB/T 38540 SES_Signature stamping a document hash with a seal on the key.
void sign_seal(services& s, const json& params, const call_context& context, responder reply) {
  auto request = signing_request_from(params, context, "电子签章", "Stamp with seal", true);
  auto seal_id = required_string(params, "seal");
  auto data_hash = required_base64(params, "data_hash");
  if (data_hash.size() != 32)
    throw error(errc::bad_params, "data_hash must be the 32-byte SM3 hash of the document part");
  auto property_info = property_info_param(params);
  bool cert_given = !request.cert_id.empty();
  request.prepare = [&s, seal_id, data_hash, cert_given](const service::token_access& key,
                                                         service::signing_request& r) {
    // Public seals are shown in the dialog; private ones are read after login.
    auto now = now_seconds();
    std::optional<service::seal_report> seal;
    if (!key.token().module.seals.private_objects) {
      auto session = key.open_session(false);
      seal = service::find_seal(key, session, s.seal_policy, seal_id, now);
    }
    std::string name = seal && seal->decoded ? seal->decoded->name : seal_id;
    r.items.push_back({name, "", "", "SM3: " + to_hex(data_hash)});
    if (seal && seal->decoded) {
      r.picture_png = seal->decoded->pic.data;
      if (!cert_given) {
        auto bound = service::bound_certificate_id(key, *seal->decoded);
        if (!bound)
          throw error(errc::seal_not_bound,
                      "no certificate on the key is bound to this seal: give cert explicitly");
        r.cert_id = *bound;
      }
    } else if (!cert_given) {
      throw error(errc::bad_params, "cert is required when the key's seals are private");
    }
  };
  request.accept = [](const service::signer_certificate& cert) {
    if (cert.family != service::key_family::sm2)
      throw error(errc::not_supported, "seal signatures (GB/T 38540) are made with SM2 keys");
  };
  s.signing.sign(
      std::move(request),
      [&s, reply, seal_id, data_hash, property_info](service::signing_key& key,
                                                     const service::token_access& access,
                                                     const pkcs11::session& session) {
        auto now = now_seconds();
        auto seal = service::find_seal(access, session, s.seal_policy, seal_id, now);
        if (!seal.verification.in_validity)
          throw error(errc::seal_expired, "the seal is outside its validity");
        auto signed_value = service::make_seal_signature(key, seal, data_hash, property_info, now);
        reply.ok(json{{"signed_value", to_base64(signed_value)},
                      {"version", seal.decoded->format == seal::seal_format::gmt0031 ? 1 : 4},
                      {"signed_at", to_iso8601(now)}});
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

}  // namespace

crypto::external_signer external_signer_for(service::signing_key& key) {
  crypto::external_signer signer;
  signer.certificate_der = key.certificate().der;
  signer.sign_message = [&key](byte_view message, crypto::digest_alg digest) {
    return service::sign_message(key, message, digest);
  };
  return signer;
}

void add_sign_methods(dispatcher& table, services& s) {
  table.add_async("sign.hash",
                  [&s](const json& params, const call_context& context, responder reply) {
                    sign_hash(s, params, context, std::move(reply));
                  });
  table.add_async("sign.seal",
                  [&s](const json& params, const call_context& context, responder reply) {
                    sign_seal(s, params, context, std::move(reply));
                  });
  table.add_async("sign.cms",
                  [&s](const json& params, const call_context& context, responder reply) {
                    sign_cms(s, params, context, std::move(reply));
                  });
}

}  // namespace sealbridge::api
