#include "api/seal_json.hpp"

#include <nlohmann/json.hpp>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace sealbridge::api {

using nlohmann::json;

namespace {

json maker_json(const sealbridge::seal::seal& s) {
  try {
    auto m = sealbridge::seal::describe_maker(s);
    return {{"subject", m.subject}, {"issuer", m.issuer}, {"serial", m.serial_hex},
            {"not_after", to_iso8601(m.not_after)}};
  } catch (const error&) {
    return nullptr;  // an unreadable maker certificate already fails the verification
  }
}

json cert_list_json(const sealbridge::seal::seal& s) {
  json list = json::array();
  if (s.cert_list_type == 2) {
    for (const auto& d : s.cert_digests)
      list.push_back({{"kind", "digest"}, {"algorithm", d.algorithm}, {"value", to_hex(d.value)}});
  } else {
    for (const auto& c : s.certs) list.push_back({{"kind", "certificate"}, {"der", to_base64(c)}});
  }
  return list;
}

json verification_json(const sealbridge::seal::verification& v) {
  json errors = json::array();
  for (auto code : v.errors) errors.push_back(code_name(code));
  return {{"ok", v.ok()},
          {"maker_signature", v.maker_signature_valid ? "valid" : "invalid"},
          {"maker_trusted", v.maker_trusted},
          {"bound_to_key", v.bound_to_key},
          {"in_validity", v.in_validity},
          {"errors", std::move(errors)}};
}

}  // namespace

json seal_json(const service::seal_report& report, sys_seconds now) {
  json out = {{"id", report.id}, {"verification", verification_json(report.verification)}};
  if (!report.decoded) {
    out["format"] = nullptr;
    out["der"] = to_base64(report.der);
    return out;
  }
  const auto& s = *report.decoded;
  out.update({{"es_id", s.es_id},
              {"format", s.format == sealbridge::seal::seal_format::gbt38540 ? "GB/T 38540" : "GM/T 0031"},
              {"header_version", s.header_version},
              {"vid", s.vid},
              {"type", s.type},
              {"name", s.name},
              {"create_date", to_iso8601(s.create_date)},
              {"valid_start", to_iso8601(s.valid_start)},
              {"valid_end", to_iso8601(s.valid_end)},
              {"days_left", days_between(now, s.valid_end)},
              {"picture",
               {{"type", s.pic.type},
                {"width_mm", s.pic.width_mm},
                {"height_mm", s.pic.height_mm},
                {"data", to_base64(s.pic.data)}}},
              {"maker", maker_json(s)},
              {"cert_list", cert_list_json(s)}});
  return out;
}

}  // namespace sealbridge::api
